/**
 * Security headers for what the server serves to browsers: the demo page, the client module and
 * the hub script. The demo's Content-Security-Policy allows its own inline `<script>`/`<style>`
 * by hash (computed from the file served, so an edited demo keeps working) and nothing else
 * inline; scripts, workers and connections come from this origin only.
 */
import { createHash } from 'node:crypto';

const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' } as const;

function hashes(html: string, tag: 'script' | 'style'): string[] {
  const out: string[] = [];
  // Inline elements only: `<script src=…>` has no body to hash and is covered by 'self'.
  for (const match of html.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'gi'))) {
    const [, attributes = '', body = ''] = match;
    if (/\ssrc\s*=/i.test(attributes) || body === '') continue;
    // CSP3 §8.4: the hash is over the element's text exactly as in the document.
    out.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return out;
}

/** Headers of the demo page. */
export function pageHeaders(html: string): Record<string, string> {
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${hashes(html, 'script').join(' ')}`.trim(),
    `style-src 'self' ${hashes(html, 'style').join(' ')}`.trim(),
    // 'self' covers ws:/wss: to the same host in CSP3 (§6.7.2.9); the demo talks to this server only.
    "connect-src 'self'",
    "worker-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { ...NOSNIFF, 'Content-Security-Policy': csp, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' };
}

/**
 * Headers of the hub script. A SharedWorker or Service Worker script must be same-origin with
 * the page that starts it (HTML §10.2.6.4; Service Workers §3.2), and a Service Worker's script
 * decides what every page of its scope runs: served as JavaScript, never sniffed, and not
 * embeddable by other origins' documents (CORP, Fetch §3.7).
 */
export function workerHeaders(): Record<string, string> {
  return { ...NOSNIFF, 'Cross-Origin-Resource-Policy': 'same-origin' };
}

export function scriptHeaders(): Record<string, string> {
  return { ...NOSNIFF };
}

/**
 * Headers of the status page (status-page.ts): it has no script, loads nothing and posts
 * nothing, so its CSP allows only its own inline `<style>` by hash. `no-referrer` also keeps a
 * `?key=` in its URL from leaking to any link target.
 */
export function statusPageHeaders(html: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `style-src ${hashes(html, 'style').join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { ...NOSNIFF, 'Content-Security-Policy': csp, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' };
}
