/**
 * What `/sse` and `/poll` requests ask for: their channels and each channel's cursor
 * (src/protocol/wire.ts). A channel's cursor is the newer of its own `lastEventId.<channel>` and
 * the shared one (`Last-Event-ID` header, else `lastEventId` query parameter); a channel with
 * neither starts from now.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { channelNameProblem } from '../src/protocol/channel-name.js';
import { parseEventId } from '../src/protocol/event-id.js';
import type { EventId } from '../src/protocol/event-id.js';
import { QUERY_CHANNEL, QUERY_CHANNEL_CURSOR_PREFIX, QUERY_LAST_EVENT_ID } from '../src/protocol/wire.js';
import type { ReplayRequest } from './broker/broker.js';
import type { Credentials } from './auth.js';
import { PushError } from './errors.js';

/** An `/sse` or `/poll` request as its handler gets it: authenticated, its channels allowed. */
export interface StreamCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  /** CORS headers for the answer. */
  readonly cors: Readonly<Record<string, string>>;
  readonly credentials: Credentials;
  readonly requests: readonly ReplayRequest[];
}

export function parseCursor(text: string | undefined, where: string): EventId | undefined {
  // An empty Last-Event-ID means "none" (a fresh EventSource sends no header at all).
  if (text === undefined || text === '') return undefined;
  const id = parseEventId(text);
  if (!id) throw new PushError('TABMUX_ERR_BAD_EVENT_ID', `${where} is not an event id from this server`);
  return id;
}

/** The newer of two cursors: the later epoch, then the higher seq. */
export function newerCursor(a: EventId | undefined, b: EventId | undefined): EventId | undefined {
  if (!a || !b) return a ?? b;
  if (a.epoch !== b.epoch) return isLaterEpoch(a.epoch, b.epoch) ? a : b;
  return a.seq >= b.seq ? a : b;
}

/** Epochs are time-based base 36 (src/protocol/event-id.ts): longer is later, then by text. */
export function isLaterEpoch(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

export function parseChannels(query: URLSearchParams, max: number): string[] {
  const channels = [...new Set(query.getAll(QUERY_CHANNEL))];
  if (channels.length === 0) throw new PushError('TABMUX_ERR_BAD_REQUEST', 'at least one channel query parameter is required');
  if (channels.length > max) {
    throw new PushError('TABMUX_ERR_TOO_MANY_CHANNELS', `a stream may hold at most ${max} channels, got ${channels.length}`);
  }
  for (const channel of channels) {
    const problem = channelNameProblem(channel);
    if (problem) throw new PushError('TABMUX_ERR_BAD_CHANNEL', problem);
  }
  return channels;
}

export function parseStreamRequest(req: IncomingMessage, query: URLSearchParams, maxChannels: number): ReplayRequest[] {
  const channels = parseChannels(query, maxChannels);
  const header = req.headers['last-event-id'];
  // The header (what an EventSource sends on reconnect) wins over the parameter (what the page
  // put in the URL at first); an empty header counts as absent.
  const shared =
    typeof header === 'string' && header !== ''
      ? parseCursor(header, 'the Last-Event-ID header')
      : parseCursor(query.get(QUERY_LAST_EVENT_ID) ?? undefined, `the ${QUERY_LAST_EVENT_ID} query parameter`);
  return channels.map((channel) => {
    const key = `${QUERY_CHANNEL_CURSOR_PREFIX}${channel}`;
    const own = parseCursor(query.get(key) ?? undefined, `the ${key} query parameter`);
    return { channel, after: newerCursor(own, shared) };
  });
}
