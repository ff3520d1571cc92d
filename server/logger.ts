/**
 * The injectable logger. The default writes one line per event to stderr/stdout; pass
 * `logger: silentLogger` (tests) or your own (pino, winston: same three methods) to
 * `createPushServer`.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const line = (level: string, message: string, fields?: Record<string, unknown>): string =>
  `tabmux ${level}: ${message}${fields ? ` ${JSON.stringify(fields, errorReplacer)}` : ''}`;

/** Errors are logged with their stack: the log is for the operator, never for the client. */
function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

export const consoleLogger: Logger = {
  info: (message, fields) => console.log(line('info', message, fields)),
  warn: (message, fields) => console.warn(line('warn', message, fields)),
  error: (message, fields) => console.error(line('error', message, fields)),
};

export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
