// How one epoch's shards are shared among the training worker and its helpers (www/lab/shard-share.js),
// with helpers that run beside this thread in wall-clock time (as worker threads do) and a training
// worker that busy-waits, so that either can be made slow: every shard is computed exactly once, the
// parts come back in shard order, and a worker that runs out of work takes over what a slower one has
// not started.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { shareEpoch, pause, group } from '../../www/lab/shard-share.js';

/** Every helper of a test hands over the parts it has finished by then whenever this thread is
 * between two tasks, as a worker's queued messages come in: at each pause, and every millisecond
 * while this worker waits. */
let helpers = [];
let poll = null;
const deliver = () => { for (const h of helpers) h.deliver(); };
const pauseAndDeliver = async () => {
  await pause();
  deliver();
};
beforeEach(() => {
  helpers = [];
  poll = setInterval(deliver, 1);
});
afterEach(() => clearInterval(poll));

/** A helper whose shards take `ms` each, one after the other from when it is asked; `limits` records
 * the ends it was told. Like helper-worker.js it stops before a shard past its end, and a shard it has
 * started runs to the end. */
function helper(ms) {
  const requests = [];
  const h = {
    limits: [],
    compute(from, to, onPart) {
      const r = { from, end: to, next: from, onPart, started: performance.now() };
      r.done = new Promise((resolve) => { r.resolve = resolve; });
      requests.push(r);
      const limit = (t) => {
        h.limits.push(t);
        const running = r.from + Math.floor((performance.now() - r.started) / ms);
        r.end = Math.min(r.end, Math.max(t, running + 1));
      };
      return { done: r.done, limit };
    },
    deliver() {
      for (const r of requests) {
        while (r.next < r.end && performance.now() >= r.started + (r.next - r.from + 1) * ms) r.onPart({ shard: r.next++ });
        if (r.next >= r.end && !r.finished) {
          r.finished = true;
          r.resolve();
        }
      }
    },
  };
  helpers.push(h);
  return h;
}

const failing = {
  compute(from, _to, onPart) {
    const done = new Promise((_, reject) => setTimeout(() => { onPart({ shard: from }); reject(new Error('helper worker: lost')); }, 5));
    return { done, limit: () => {} };
  },
};

/** This worker's shards: each takes `ms` of busy time. */
function here(ms) {
  const computed = [];
  const compute = (k) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
    computed.push(k);
  };
  return { computed, compute };
}

/** Every shard once: the ones computed here and the helpers' parts, which come in shard order. */
function assertEveryShardOnce(result, shards, computed) {
  assert.deepEqual(result.here, computed);
  const fromHelpers = result.parts.map((p) => p.shard);
  assert.deepEqual(fromHelpers, [...fromHelpers].sort((a, b) => a - b), 'parts in shard order');
  assert.deepEqual([...result.here, ...fromHelpers].sort((a, b) => a - b), [...Array(shards).keys()]);
  assert.equal(result.counts.reduce((a, b) => a + b), shards);
}

test('the groups the workers start on: contiguous, covering the shards, sizes differing by at most one', () => {
  assert.deepEqual([0, 1, 2].map((w) => group(w, 3, 12)), [[0, 4], [4, 8], [8, 12]]);
  assert.deepEqual([0, 1].map((w) => group(w, 2, 5)), [[0, 2], [2, 5]]);
  assert.deepEqual(group(0, 1, 6), [0, 6]);
  for (let workers = 1; workers <= 13; workers++) {
    const groups = [...Array(Math.min(workers, 12)).keys()].map((w) => group(w, workers, 12));
    assert.equal(groups[0][0], 0);
    assert.equal(groups.at(-1)[1], 12);
    groups.slice(1).forEach(([from], i) => assert.equal(from, groups[i][1]));
    const sizes = groups.map(([from, to]) => to - from);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${workers} workers: ${sizes}`);
  }
});

test('at equal speeds the shards are shared about evenly', async () => {
  const me = here(4);
  const result = await shareEpoch(12, me.compute, [helper(4)], pauseAndDeliver);
  assertEveryShardOnce(result, 12, me.computed);
  assert.ok(result.counts.every((n) => n >= 4), JSON.stringify(result.counts));
});

test('a slow helper: this worker takes over the shards it has not started', async () => {
  const slow = helper(40);
  const me = here(4);
  const result = await shareEpoch(12, me.compute, [slow], pauseAndDeliver);
  assertEveryShardOnce(result, 12, me.computed);
  assert.ok(result.counts[1] <= 3, `the slow helper computed ${result.counts[1]} of 12`);
  assert.ok(slow.limits.length > 0, 'the helper was told to stop early');
  assert.ok(me.computed.some((k) => k >= 6), 'shards of the helper\'s group computed here');
});

test('a slow training worker: an idle helper is given the last shards of its group', async () => {
  const me = here(30);
  const result = await shareEpoch(12, me.compute, [helper(2)], pauseAndDeliver);
  assertEveryShardOnce(result, 12, me.computed);
  assert.ok(result.counts[1] >= 8, `the fast helper computed ${result.counts[1]} of 12`);
  assert.ok(me.computed.every((k) => k < 6), 'this worker kept to its own group');
});

test('three workers, one helper slow: the others share its shards', async () => {
  const me = here(3);
  const result = await shareEpoch(12, me.compute, [helper(3), helper(50)], pauseAndDeliver);
  assertEveryShardOnce(result, 12, me.computed);
  assert.ok(result.counts[2] <= 2, JSON.stringify(result.counts));
});

test('a helper that fails: the error carries what was computed, so nothing is lost', async () => {
  const me = here(2);
  await assert.rejects(shareEpoch(6, me.compute, [failing], pauseAndDeliver), (e) => {
    assert.match(e.message, /lost/);
    assert.deepEqual(e.here, me.computed);
    assert.deepEqual(e.parts.map((p) => p.shard), [3]);
    return true;
  });
});
