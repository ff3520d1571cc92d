/**
 * The HTTP load of the publish-rate section: `connections` keep-alive connections, each with one
 * POST in flight, for `seconds`. `wrk` when it is on the PATH (the C load generator the figures in
 * the issue were taken with), else a small generator in this process over node:net that writes a
 * prebuilt request and counts responses by their status line. Either refuses a run with an answer
 * other than 200: a failing endpoint must not look fast.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { canPin } from '../lib/cpu.js';

export type Generator = 'wrk' | 'node';

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
}

export function generator(): Generator {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && /wrk/.test(`${probe.stdout}${probe.stderr}`) ? 'wrk' : 'node';
}

export async function load(kind: Generator, port: number, body: string, seconds: number, connections: number): Promise<LoadResult> {
  return kind === 'wrk' ? wrk(port, body, seconds, connections) : nodeLoad(port, body, seconds, connections);
}

function wrk(port: number, body: string, seconds: number, connections: number): LoadResult {
  const script = join(os.tmpdir(), `tabmux-publish-${process.pid}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`);
  try {
    const command = ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, `http://127.0.0.1:${port}/publish`];
    // Under bench/run.ts this process is already on core 0; run on its own, wrk is put there.
    const run = canPin() ? spawnSync('taskset', ['-c', '0', ...command], { encoding: 'utf8' }) : spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
    const match = /(\d+) requests in ([\d.]+)(m?s)/.exec(run.stdout ?? '');
    if (!match || /Non-2xx|Socket errors/.test(run.stdout)) throw new Error(`wrk failed: ${run.stdout}${run.stderr}`);
    return { requests: Number(match[1]), seconds: Number(match[2]) / (match[3] === 'ms' ? 1000 : 1) };
  } finally {
    rmSync(script, { force: true });
  }
}

const STATUS_LINE = Buffer.from('HTTP/1.1 ');

async function nodeLoad(port: number, body: string, seconds: number, connections: number): Promise<LoadResult> {
  const request = Buffer.from(
    `POST /publish HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  let requests = 0;
  let failure: Error | undefined;
  await Promise.all(
    Array.from({ length: connections }, () =>
      new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
        socket.setNoDelay(true);
        // The tail of the previous read: a status line split across two reads is still found.
        let carry: Buffer = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          const text = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
          let at = text.indexOf(STATUS_LINE);
          let answered = 0;
          let last = -1;
          while (at !== -1 && at + STATUS_LINE.length + 3 <= text.length) {
            if (text.toString('latin1', at + STATUS_LINE.length, at + STATUS_LINE.length + 3) !== '200') failure ??= new Error(`${text.toString('latin1', at, at + 40)}`);
            answered++;
            last = at;
            at = text.indexOf(STATUS_LINE, at + 1);
          }
          carry = text.subarray(Math.max(last + 1, text.length - (STATUS_LINE.length + 3)));
          requests += answered;
          if (answered === 0) return;
          if (performance.now() < stopAt && failure === undefined) socket.write(request);
          else socket.end();
        });
        socket.on('error', (error) => {
          failure ??= error;
          resolve();
        });
        socket.on('close', () => resolve());
      }),
    ),
  );
  if (failure) throw new Error(`the load generator got ${failure.message}`);
  return { requests, seconds: (performance.now() - start) / 1000 };
}
