/**
 * Published data is untrusted text: any publisher (a tab, a backend, a token holder) may send
 * markup, and a page that renders it as HTML runs the publisher's script in every tab of every
 * user. Every example renders messages, and users copy examples, so each one is proven here to
 * render this value as text: `{"t":"<img src=x onerror=…>"}` arrives, shows literally, and no
 * element of it exists in the page, nor has its handler run.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor } from './wait.js';

/** Markup that, parsed as HTML, leaves elements marked `data-injected` and sets a global. */
export const HOSTILE_MARKUP = '<img src=x data-injected onerror="globalThis.tabmuxInjected = true"><svg data-injected onload="globalThis.tabmuxInjected = true"></svg>';

/** What shows in the page when the markup is rendered as text (also inside JSON.stringify's quotes). */
const SHOWN = '<img src=x data-injected';

interface Found {
  /** Some element of `selector` shows the markup as text. */
  readonly shown: boolean;
  /** Elements of the markup parsed into the page. */
  readonly elements: number;
  /** Their handler ran. */
  readonly ran: boolean;
}

function find(page: Page, selector: string): Promise<Found> {
  return page.evaluate(
    ([selector, shown]) => ({
      shown: [...document.querySelectorAll(selector)].some((element) => element.textContent?.includes(shown)),
      elements: document.querySelectorAll('[data-injected]').length,
      ran: (globalThis as { tabmuxInjected?: boolean }).tabmuxInjected === true,
    }),
    [selector, SHOWN] as const,
  );
}

/** Waits until the hostile markup reached `selector` in `page` (as text, or parsed), then requires text and nothing parsed. */
export async function assertRenderedAsText(page: Page, selector: string, what: string): Promise<void> {
  await waitFor(`${what}: the published markup to reach ${selector}`, async () => {
    const found = await find(page, selector);
    return found.shown || found.elements > 0;
  });
  // No element of the markup in the page means no handler of it can run: `ran` is a second witness.
  assert.deepEqual(await find(page, selector), { shown: true, elements: 0, ran: false }, `${what}: published markup must show as text, never become elements of the page`);
}
