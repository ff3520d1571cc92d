/** The command line of bench/run.ts; an unknown flag is refused rather than ignored. */
export type Section = 'server' | 'publish' | 'browser' | 'battery';
export const SECTIONS: readonly Section[] = ['server', 'publish', 'browser', 'battery'];

export interface BenchArgs {
  readonly quick: boolean;
  readonly only: readonly Section[];
  readonly out: string | undefined;
  readonly json: string | undefined;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let only: Section[] = [...SECTIONS];
  let out: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--only':
        only = value().split(',').map((s) => {
          if (!SECTIONS.includes(s as Section)) throw new Error(`--only takes ${SECTIONS.join(', ')}; got ${s}`);
          return s as Section;
        });
        break;
      case '--out':
        out = value();
        break;
      case '--json':
        json = value();
        break;
      default:
        throw new Error(`unknown option ${arg} (use --quick, --only=server,publish,browser,battery, --out <file.md>, --json <file.json>)`);
    }
  }
  return { quick, only, out, json };
}
