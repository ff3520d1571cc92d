/**
 * The status page's rate arithmetic (server/rate-sampler.ts) with an injected clock: the global
 * sampler's windowed rates, and the per-channel one-second buckets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRate, RateSampler } from '../../server/rate-sampler.js';
import { formatUptime } from '../../server/status-page.js';

test('RateSampler: rate over a window is the counter difference since the window start, per second', () => {
  let now = 1_000_000;
  let published = 0;
  const sampler = new RateSampler(() => ({ published }), 60, () => now);
  assert.equal(sampler.rates(10).published, 0, 'no time has passed: 0, not a division by zero');
  // 5 messages a second for 70 s, sampled each second.
  for (let s = 0; s < 70; s++) {
    now += 1000;
    published += 5;
    sampler.sample();
  }
  assert.equal(sampler.rates(10).published, 5);
  assert.equal(sampler.rates(60).published, 5);
  // Then 20 s of silence: the 10 s window is empty, the 1 min one holds 40 s of 5/s.
  for (let s = 0; s < 20; s++) {
    now += 1000;
    sampler.sample();
  }
  assert.equal(sampler.rates(10).published, 0);
  assert.equal(sampler.rates(60).published, (40 * 5) / 60);
});

test('RateSampler: before a whole window has passed the rate is over the time since start', () => {
  let now = 0;
  let delivered = 0;
  const sampler = new RateSampler(() => ({ delivered }), 60, () => now);
  now = 4000;
  delivered = 100;
  sampler.sample();
  now = 5000;
  delivered = 120; // read live between samples
  assert.equal(sampler.rates(10).delivered, 120 / 5);
  assert.equal(sampler.rates(60).delivered, 120 / 5);
});

test('RateSampler keeps a bounded number of samples however long it runs', () => {
  let now = 0;
  const sampler = new RateSampler(() => ({ n: now }), 60, () => now);
  for (let s = 0; s < 10_000; s++) {
    now += 1000;
    sampler.sample();
  }
  const samples = (sampler as unknown as { samples: unknown[] }).samples;
  assert.ok(samples.length <= 62, `at most a minute of samples kept, got ${samples.length}`);
  assert.equal(sampler.rates(60).n, 1000, 'and the 1 min window is still whole');
});

test('ChannelRate: messages in the last 10 s, rotated lazily, emptied after idling', () => {
  let now = 50_000;
  const rate = new ChannelRate(() => now);
  for (let i = 0; i < 30; i++) rate.count();
  assert.equal(rate.perSecond(), 3);
  now += 5000;
  for (let i = 0; i < 10; i++) rate.count();
  assert.equal(rate.perSecond(), 4, 'both seconds are within the window');
  now += 6000; // the first burst's second has left the window
  assert.equal(rate.perSecond(), 1);
  now += 3_600_000;
  assert.equal(rate.perSecond(), 0, 'an hour idle: nothing left');
  rate.count();
  assert.equal(rate.perSecond(), 0.1);
});

test('uptime reads at a glance', () => {
  assert.equal(formatUptime(42), '42 s');
  assert.equal(formatUptime(125), '2 min 05 s');
  assert.equal(formatUptime(3 * 3600 + 4 * 60), '3 h 04 min');
  assert.equal(formatUptime(2 * 86_400 + 5 * 3600), '2 d 5 h');
});
