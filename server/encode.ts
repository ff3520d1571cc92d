/**
 * One published message, encoded at most once per transport and shared by every subscriber of
 * this node: the SSE frame is one Buffer, the WebSocket/poll form one JSON text, and the WebSocket
 * frame (header and that text) one Buffer written as is to every socket (ws-frame.ts).
 */
import type { StoredMessage } from './broker/broker.js';
import { textFrame } from './ws-frame.js';
import type { WsFramePart } from './ws-frame.js';
import type { Part } from './write-batch.js';

/** Event stream line breaks: CRLF, LF or CR (WHATWG HTML §9.2.5 "Parsing an event stream"). */
const LINE_BREAK = /\r\n|\r|\n/;
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

/**
 * An SSE event. `id` and `event` cannot carry CR, LF or NUL: a CR/LF would end the field and let
 * the rest forge new fields, and an `id` containing NUL is ignored by the parser (§9.2.6), so
 * those are refused rather than written. Multi-line data is written one `data:` line each, which
 * the parser joins back with LF.
 */
export function sseEvent(fields: { id?: string; event?: string; data: string }): string {
  let out = '';
  if (fields.id !== undefined) out += `id: ${checkField('id', fields.id)}\n`;
  if (fields.event !== undefined) out += `event: ${checkField('event', fields.event)}\n`;
  for (const line of fields.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

function checkField(name: string, value: string): string {
  if (FORBIDDEN_IN_FIELD.test(value)) throw new Error(`SSE ${name} field may not contain CR, LF or NUL`);
  return value;
}

/** `{"channel","id","data"}`, the WireMessage form used by WebSocket frames and poll answers. */
export function wireJson(message: StoredMessage): string {
  return `{"channel":${JSON.stringify(message.channel)},"id":${JSON.stringify(message.id)},"data":${message.json}}`;
}

export class EncodedMessage {
  private sseFrame: Part | undefined;
  private wireText: string | undefined;
  private wireFrame: Buffer | undefined;
  private wsFrame: WsFramePart | undefined;

  constructor(readonly message: StoredMessage) {}

  get channel(): string {
    return this.message.channel;
  }
  get seq(): number {
    return this.message.seq;
  }

  /** The SSE event's bytes (one object shared by every stream, so write-batch.ts can tell batches alike). */
  get sse(): Part {
    return (this.sseFrame ??= { bytes: Buffer.from(sseEvent({ id: this.message.id, event: this.message.channel, data: this.message.json })) });
  }

  get wire(): string {
    return (this.wireText ??= wireJson(this.message));
  }

  get wireBuffer(): Buffer {
    return (this.wireFrame ??= Buffer.from(this.wire));
  }

  /** The WebSocket text frame carrying `wire`, built once for every socket. */
  get ws(): WsFramePart {
    return (this.wsFrame ??= textFrame(this.wireBuffer));
  }
}
