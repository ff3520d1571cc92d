/** `POST /publish` (README, Endpoints): used whenever the upstream is not a WebSocket. */
import type { HubResult } from '../src/hub-protocol/hub-api.js';
import type { PublishResponse } from '../src/protocol/wire.js';
import { authHeaders, failureFromResponse, networkFailure } from './transports/http-error.js';
import type { Platform } from './platform.js';

export async function publishOverHttp(platform: Platform, url: string, channel: string, data: unknown, token?: string): Promise<HubResult<{ id: string }>> {
  let body: string;
  try {
    body = JSON.stringify({ channel, data });
  } catch {
    return { ok: false, code: 'TABMUX_ERR_BAD_JSON', message: 'data is not JSON-serialisable' };
  }
  try {
    const response = await platform.fetch(`${url}/publish`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(token) }, body });
    if (!response.ok) {
      const { code, message } = await failureFromResponse(response, platform.clock.now());
      return { ok: false, code, message };
    }
    const answer = (await response.json()) as PublishResponse;
    return { ok: true, id: answer.id };
  } catch (error) {
    const { code, message } = networkFailure(error);
    return { ok: false, code, message };
  }
}
