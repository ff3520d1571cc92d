/** The server tables of RESULTS.md. */
import type { ServerResults } from '../server/run-server.js';
import { SYSTEMS } from '../server/systems.js';
import type { SystemName } from '../server/systems.js';
import { median } from '../lib/stats.js';
import { kib, mib, ms, num, ratio, table } from './format.js';
import { pairedLatencyDifference, pairedRatio } from './paired-ratio.js';

const RAW: Record<SystemName, SystemName> = {
  'raw-sse': 'raw-sse',
  'tabmux-sse': 'raw-sse',
  'better-sse': 'raw-sse',
  'raw-ws': 'raw-ws',
  'tabmux-ws': 'raw-ws',
  'socket.io': 'raw-ws',
};

export function renderServer(server: ServerResults): string {
  const out: string[] = [];
  const { plan } = server;
  out.push('## Server', '');
  out.push(
    `Load generator on core 0, each server in its own process on core 1 (${server.pinned ? 'pinned with taskset' : 'NOT pinned: taskset unavailable'}), loopback. ` +
      'Ratios compare systems measured in this same run. Each throughput point is the best of ' +
      `${plan.repeats} bursts of ${num(plan.deliveriesPerRun)} deliveries (at least ${plan.minMessages} messages), published back to back, one message per event-loop iteration.`,
    '',
  );
  out.push('### Deliveries per second, 1 channel', '');
  const rows: string[][] = [];
  for (const subscribers of plan.subscriberCounts) {
    for (const size of plan.sizes) {
      for (const s of SYSTEMS) {
        const r = server.throughput[s.name]?.find((t) => t.subscribers === subscribers && t.size === size && (t.together ?? 1) === 1);
        const raw = server.throughput[RAW[s.name]]?.find((t) => t.subscribers === subscribers && t.size === size && (t.together ?? 1) === 1);
        const sio = server.throughput['socket.io']?.find((t) => t.subscribers === subscribers && t.size === size && (t.together ?? 1) === 1);
        rows.push([
          num(subscribers),
          `${size} B`,
          s.name,
          num(r?.deliveriesPerSec),
          ratio(r && raw ? r.deliveriesPerSec / raw.deliveriesPerSec : undefined),
          ratio(r && sio ? r.deliveriesPerSec / sio.deliveriesPerSec : undefined),
          num(r?.cpuMsPer1000, 2),
        ]);
      }
    }
  }
  out.push(table(['subscribers', 'message', 'system', 'deliveries/s', '× raw loop (same transport)', '× socket.io', 'server CPU ms per 1,000 deliveries'], rows), '');

  if (server.paired.length > 0) {
    out.push(
      '### One message per turn, in alternating rounds',
      '',
      `The targets' points of the table above, measured again: in each of ${plan.pairedRounds} rounds every system of a point runs one burst of 100 B messages in a fresh ` +
        'server process, seconds apart, a different system first each round; each ratio is taken within a round, and the median over rounds is what the targets read. ' +
        'The table above measures each system a minute or more after the one before it, and this machine\'s load drifts by more than that between such windows.',
      '',
    );
    const paired: string[][] = [];
    for (const p of server.paired) {
      const [base] = p.systems;
      p.systems.forEach((name, i) => {
        const against = i === 0 ? undefined : pairedRatio(server.paired, name, base!, p.subscribers);
        paired.push([num(p.subscribers), name, p.rounds.map((rates) => num(rates[i])).join(' / '), num(median(p.rounds.map((rates) => rates[i]!).filter(Number.isFinite))), i === 0 ? 'baseline' : `${ratio(against?.median)} ${base}`]);
      });
    }
    out.push(table(['subscribers', 'system', 'deliveries/s, each round', 'median', 'median of the rounds\' ratios'], paired), '');
  }

  if (plan.together > 1) {
    const loads = [
      {
        apart: false,
        title: `### Deliveries per second, ${plan.together} messages of 100 B published in one callback per event-loop iteration`,
        text: 'The same bursts, arriving together in one callback (a batch publish, a broker read): the raw loops write each message to each socket; tabmux writes what is ready for a socket in one iteration as one write.',
      },
      {
        apart: true,
        title: `### Deliveries per second, ${plan.together} messages of 100 B from ${plan.together} separate callbacks per event-loop iteration`,
        text: `The same bursts, each message published by a callback of its own in one iteration (${plan.together} timers armed together), as ${plan.together} \`POST /publish\` read in one poll phase are: process.nextTick runs between them, so only a flush at the end of the iteration writes them together.`,
      },
    ];
    for (const load of loads) {
      out.push(load.title, '', load.text, '');
      const together: string[][] = [];
      for (const subscribers of plan.subscriberCounts) {
        for (const s of SYSTEMS) {
          const find = (name: SystemName) => server.throughput[name]?.find((t) => t.subscribers === subscribers && t.together === plan.together && (t.apart ?? false) === load.apart);
          const r = find(s.name);
          const raw = find(RAW[s.name]);
          const sio = find('socket.io');
          together.push([
            num(subscribers),
            s.name,
            num(r?.deliveriesPerSec),
            ratio(r && raw ? r.deliveriesPerSec / raw.deliveriesPerSec : undefined),
            ratio(r && sio ? r.deliveriesPerSec / sio.deliveriesPerSec : undefined),
            num(r?.cpuMsPer1000, 2),
          ]);
        }
      }
      out.push(table(['subscribers', 'system', 'deliveries/s', '× raw loop (same transport)', '× socket.io', 'server CPU ms per 1,000 deliveries'], together), '');
    }
  }

  out.push(
    `### Publish → deliver latency, ${num(plan.latencySubscribers)} subscribers, ${plan.latencyRate} messages/s of 100 B`,
    '',
    `Measured from each message's SCHEDULED send time (so a stalled publisher or server cannot hide its stall), ${plan.latencyMessages} messages, every delivery sampled.`,
    '',
  );
  out.push(
    table(
      ['system', 'p50', 'p99', 'max', 'p99 × raw loop', 'publisher late (max)'],
      SYSTEMS.map((s) => {
        const l = server.latency[s.name];
        const raw = server.latency[RAW[s.name]];
        return [s.name, ms(l?.p50), ms(l?.p99), ms(l?.max), ratio(l && raw ? l.p99 / raw.p99 : undefined), ms(l?.publisherLateMs)];
      }),
    ),
    '',
  );

  if (server.pairedLatency.length > 0) {
    out.push(
      '#### The same, in alternating rounds',
      '',
      `${plan.pairedRounds} rounds, each system in a fresh server process, seconds apart, a different one first each round; the p50 target reads the median of the rounds' differences.`,
      '',
    );
    const rows: string[][] = [];
    for (const p of server.pairedLatency) {
      const [base] = p.systems;
      p.systems.forEach((name, i) => {
        const difference = i === 0 ? undefined : pairedLatencyDifference(server.pairedLatency, name, base!);
        rows.push([
          name,
          p.rounds.map((round) => ms(round[i]!.p50)).join(' / '),
          p.rounds.map((round) => ms(round[i]!.p99)).join(' / '),
          i === 0 ? 'baseline' : `${ms(difference?.median)} vs ${base}`,
        ]);
      });
    }
    out.push(table(['system', 'p50, each round', 'p99, each round', "median of the rounds' p50 differences"], rows), '');
  }

  out.push(`### Memory per idle connection (${num(plan.idleConnections)} connections, after a full GC)`, '');
  out.push(
    table(
      ['system', 'heap per connection', 'external per connection', 'heap + external per connection', 'heap + external per 1,000', 'RSS per connection'],
      SYSTEMS.map((s) => {
        const m = server.memory[s.name];
        const retained = m ? m.heapBytesPerConnection + m.externalBytesPerConnection : undefined;
        return [s.name, kib(m?.heapBytesPerConnection), kib(m?.externalBytesPerConnection), kib(retained), mib(retained === undefined ? undefined : retained * 1000), kib(m?.rssBytesPerConnection)];
      }),
    ),
    '',
  );

  out.push(`### Catch-up: ${num(plan.catchUpClients)} clients resuming ${plan.catchUpBehind} messages behind`, '');
  out.push(
    table(
      ['system', 'connect with nothing to replay', 'connect + replay', 'messages replayed'],
      (['tabmux-sse', 'tabmux-ws'] as const).map((name) => {
        const c = server.catchUp[name];
        return [name, ms(c?.freshMs), ms(c?.resumeMs), num(c?.delivered)];
      }),
    ),
    '',
    'The raw loops, socket.io and better-sse keep no history, so they have no catch-up to compare.',
    '',
  );

  out.push(`### One slow consumer (stops reading) next to ${num(plan.latencySubscribers)} others, 1 KiB messages`, '');
  out.push(
    table(
      ['system', 'others p50 / p99 without', 'others p50 / p99 with', 'p99 change'],
      (['tabmux-sse', 'tabmux-ws'] as const).map((name) => {
        const r = server.slowConsumer[name];
        return [name, `${ms(r?.without.p50)} / ${ms(r?.without.p99)}`, `${ms(r?.with.p50)} / ${ms(r?.with.p99)}`, ratio(r ? r.with.p99 / r.without.p99 : undefined)];
      }),
    ),
    '',
  );
  return out.join('\n');
}
