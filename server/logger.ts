/**
 * Where the server's log events go (README, Logging). A `Logger` has pino's shape,
 * `level(fields, message)`: a pino (or bunyan) logger is one as it is, and so is `console`. The
 * server's own call sites say the message first (`serverLog`, below, adapts); the CLI picks
 * `consoleLogger` (text lines) or `jsonLogger` (JSON lines, `--log-format json`).
 */

/** What an event is about (a channel, a request, an `error`: logged with its stack). */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

type Level = keyof Logger;

/** Errors become plain objects: JSON.stringify (and pino, for any key but `err`) would write `{}`. */
function plain(fields: LogFields): LogFields {
  if (!Object.values(fields).some((value) => value instanceof Error)) return fields;
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value]));
}

const line = (level: Level, fields: LogFields, message: string): string => {
  const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(plain(fields))}` : '';
  return `tabmux ${level}: ${message}${rest}`;
};

/** Text lines for people: `tabmux warn: message {"field":…}`; info to stdout, warn and error to stderr. */
export const consoleLogger: Logger = {
  info: (fields, message) => console.log(line('info', fields, message)),
  warn: (fields, message) => console.warn(line('warn', fields, message)),
  error: (fields, message) => console.error(line('error', fields, message)),
};

/**
 * JSON lines for log collectors: one object per event, `{"level","time","msg",...fields}` (level a
 * word, time ISO 8601), every level to stdout as pino does, so one stream carries the whole log.
 */
export const jsonLogger: Logger = {
  info: (fields, message) => writeJson('info', fields, message),
  warn: (fields, message) => writeJson('warn', fields, message),
  error: (fields, message) => writeJson('error', fields, message),
};

function writeJson(level: Level, fields: LogFields, message: string): void {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...plain(fields) })}\n`);
}

export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The server's side of the logger: message first, as its call sites read. */
export interface ServerLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Calls `logger` in its own order, errors as plain objects; a logger that throws never breaks the server. */
export function serverLog(logger: Logger): ServerLog {
  const to =
    (level: Level) =>
    (message: string, fields: LogFields = {}): void => {
      try {
        logger[level](plain(fields), message);
      } catch {
        // Logging is never worth a failed request or a crashed server.
      }
    };
  return { info: to('info'), warn: to('warn'), error: to('error') };
}
