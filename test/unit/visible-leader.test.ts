// The leader host's preference for a visible leader (src/hosts/leader/visible-leader.ts), with a
// fake document and fake timers: a leader hidden for the grace says so; a visible follower that
// hears it, or that is shown while it is so, claims; a leader shown again within the grace, or a
// hidden follower, changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HIDDEN_LEADER_GRACE_MS, preferVisibleLeader, type VisibilitySource } from '../../src/hosts/leader/visible-leader.js';

function page(state: DocumentVisibilityState, leading: boolean) {
  const listeners: Array<() => void> = [];
  const doc: VisibilitySource & { set(next: DocumentVisibilityState): void } = {
    visibilityState: state,
    addEventListener: (_type, listener) => void listeners.push(listener),
    set(next) {
      (this as { visibilityState: DocumentVisibilityState }).visibilityState = next;
      for (const listener of listeners) listener();
    },
  };
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let lastTimer = 0;
  const log: string[] = [];
  const role = { leading };
  const visible = preferVisibleLeader({
    document: doc,
    leading: () => role.leading,
    announce: () => log.push(`announce hidden=${visible.stale()}`),
    claim: () => log.push('claim'),
    setTimeout: (fn, ms) => (timers.set(++lastTimer, { fn, ms }), lastTimer),
    clearTimeout: (handle) => void timers.delete(handle as number),
  });
  /** Runs the timers due after `ms`. */
  const elapse = (ms: number) => {
    for (const [id, timer] of [...timers]) {
      if (timer.ms > ms) continue;
      timers.delete(id);
      timer.fn();
    }
  };
  return { doc, visible, log, role, timers, elapse };
}

test('a leader hidden for the grace announces itself hidden; shown again, it announces itself visible', () => {
  const leader = page('visible', true);
  leader.visible.started();
  assert.equal(leader.timers.size, 0, 'visible: no grace running');
  leader.doc.set('hidden');
  assert.deepEqual([...leader.timers.values()].map((t) => t.ms), [HIDDEN_LEADER_GRACE_MS]);
  assert.equal(leader.visible.stale(), false, 'not before the grace');
  leader.elapse(HIDDEN_LEADER_GRACE_MS);
  assert.equal(leader.visible.stale(), true);
  leader.doc.set('visible');
  assert.deepEqual(leader.log, ['announce hidden=true', 'announce hidden=false']);
});

test('a leader shown again within the grace says nothing: flipping between two tabs costs no hand-over', () => {
  const leader = page('visible', true);
  leader.visible.started();
  leader.doc.set('hidden');
  leader.doc.set('visible');
  assert.equal(leader.timers.size, 0, 'the grace was cancelled');
  assert.deepEqual(leader.log, []);
});

test('a term that starts in a hidden page starts the grace at once', () => {
  const leader = page('hidden', true);
  leader.visible.started();
  leader.elapse(HIDDEN_LEADER_GRACE_MS);
  assert.deepEqual(leader.log, ['announce hidden=true']);
});

test('a visible follower claims when it hears of a hidden leader; a hidden one waits until it is shown', () => {
  const shown = page('visible', false);
  shown.visible.heard('L1', false);
  assert.deepEqual(shown.log, [], 'a visible leader is kept');
  shown.visible.heard('L1', true);
  assert.deepEqual(shown.log, ['claim']);

  const hidden = page('hidden', false);
  hidden.visible.heard('L1', true);
  assert.deepEqual(hidden.log, [], 'a hidden page does not take over from a hidden leader');
  hidden.doc.set('visible');
  assert.deepEqual(hidden.log, ['claim'], 'shown while the leader is hidden: it claims');
});

test('a leader heard of without a word on its visibility (an `accepted`) keeps what was said; a new leader starts as visible', () => {
  const follower = page('hidden', false);
  follower.visible.heard('L1', true);
  follower.visible.heard('L1', undefined);
  follower.visible.heard('L2', undefined);
  follower.doc.set('visible');
  assert.deepEqual(follower.log, [], 'L2 took over: nothing to claim');
});

test('the leader itself never claims, and a page that no longer leads has no grace running', () => {
  const leader = page('visible', true);
  leader.visible.started();
  leader.visible.heard('self', true);
  assert.deepEqual(leader.log, []);
  leader.doc.set('hidden');
  leader.role.leading = false;
  leader.elapse(HIDDEN_LEADER_GRACE_MS);
  assert.deepEqual(leader.log, [], 'stepped down meanwhile: no announcement');
});
