/** Channel names: 1–200 characters of `A-Z a-z 0-9 _ - : . / @` (README, Endpoints). */
export const MAX_CHANNEL_NAME_LENGTH = 200;

const CHANNEL_NAME = /^[A-Za-z0-9_\-:./@]{1,200}$/;

export function isValidChannelName(name: unknown): name is string {
  return typeof name === 'string' && CHANNEL_NAME.test(name);
}

/** A short, printable description of why `name` is refused (safe to echo: never the raw input). */
export function channelNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'channel name must be a string';
  if (name.length === 0) return 'channel name is empty';
  if (name.length > MAX_CHANNEL_NAME_LENGTH) return `channel name is longer than ${MAX_CHANNEL_NAME_LENGTH} characters`;
  if (!CHANNEL_NAME.test(name)) return 'channel name may only contain A-Z a-z 0-9 _ - : . / @';
  return undefined;
}
