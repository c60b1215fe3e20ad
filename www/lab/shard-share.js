// One epoch's shards shared out among the training worker and its helper workers (parallel.js), so that
// a worker slowed down by something else on its core (the page drawing, another tab, the host) does
// not hold the epoch up: each worker starts on its fixed group of shards (`group`), and whoever runs
// out of work takes over the last shard that another worker has not started (this worker one at a
// time, an idle helper the later half of what the busiest worker has left, taken back in turn if it
// is slow there). Which worker computes a shard never changes its numbers, and the session adds the
// shards in shard order, so the run stays bit for bit the same however the shards were shared.
//
// A helper computes its shards one at a time and answers each as it is done; between two it reads its
// messages, so it can be told to stop early (`limit`): the shards past the limit are taken over.
// This worker reads its messages between two of its own shards (`pause`).

/**
 * @typedef {object} HelperLink
 * @property {(from: number, to: number, onPart: (part: {shard: number}) => void) => {done: Promise<void>, limit: (to: number) => void}} compute
 *   starts shards `from..to` on the helper, in order; `onPart` gets each as it comes; `done` resolves
 *   when the helper has stopped (rejects when it failed); `limit(to)` asks it to stop before `to`.
 */

/** Lets the worker's queued messages in (a task of its own, as cheap as a task gets), then resolves. */
export function pause() {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** The shards worker `w` of `workers` starts with: contiguous, counts differing by at most one. */
export function group(w, workers, shards) {
  const n = Math.max(1, Math.min(workers, shards));
  return [Math.floor((w * shards) / n), Math.floor(((w + 1) * shards) / n)];
}

/**
 * Computes every one of `shards` shards once, here (`computeHere(k)`) or on `helpers`.
 * @param {number} shards
 * @param {(k: number) => void} computeHere  computes shard k in this worker
 * @param {HelperLink[]} helpers
 * @param {() => Promise<void>} pause  lets this worker's queued messages in
 * @returns {Promise<{parts: object[], here: number[], counts: number[]}>} the helpers' parts of the
 *   shards not computed here, in shard order; the shards computed here; how many shards each worker
 *   computed (this worker first). Rejects when a helper failed: `error.here` then lists the shards
 *   computed here, `error.parts` the helpers' parts received.
 */
export async function shareEpoch(shards, computeHere, helpers, pause) {
  const workers = helpers.length + 1;
  const received = new Map();
  const here = [];
  /** The shards computed so far, here or by a helper. */
  const covered = new Set();
  const counts = new Array(workers).fill(0);
  // What each worker still has: shards next…end-1, `next` being the one it computes now (a helper) or
  // starts next (this worker). A helper's `request` is null while it is idle.
  const [from, to] = group(0, workers, shards);
  const own = { next: from, end: to };
  const lanes = helpers.map(() => ({ next: 0, end: 0, request: null }));
  let wake = null;
  let failure = null;
  const woken = () => {
    if (wake) wake();
    wake = null;
  };

  function start(i, first, last) {
    const lane = lanes[i];
    Object.assign(lane, { next: first, end: last });
    const request = helpers[i].compute(first, last, (part) => {
      lane.next = Math.max(lane.next, part.shard + 1);
      if (!covered.has(part.shard)) {
        covered.add(part.shard);
        received.set(part.shard, part);
        counts[i + 1] += 1;
      }
      woken();
    });
    lane.request = request;
    request.done.then(
      () => {
        if (lane.request === request) lane.request = null;
        woken();
      },
      (e) => {
        failure ||= e;
        woken();
      },
    );
  }

  /** Shards a worker has not started and can give away: all but the one a helper computes now, or
   * the one this worker starts next. */
  const spare = (lane) => lane.end - lane.next - 1;
  /** The busy helper with the most shards not started, or null when none has one. */
  function richestHelper() {
    let best = null;
    for (const lane of lanes) {
      if (lane.request && spare(lane) >= 1 && (!best || spare(lane) > spare(best))) best = lane;
    }
    return best;
  }

  /** Each idle helper takes over the later half of the shards not started of the worker with the
   * most (this worker keeps the shard it starts next, as a busy helper keeps the one it computes). */
  function rebalance() {
    for (const [i, lane] of lanes.entries()) {
      if (lane.request) continue;
      const helper = richestHelper();
      const donor = spare(own) >= 1 && (!helper || spare(own) >= spare(helper)) ? own : helper;
      if (!donor) continue;
      const given = Math.ceil(spare(donor) / 2);
      donor.end -= given;
      if (donor !== own) donor.request.limit(donor.end);
      start(i, donor.end, donor.end + given);
    }
  }

  function computeHereNow(k) {
    computeHere(k);
    here.push(k);
    covered.add(k);
    counts[0] += 1;
  }

  for (const i of helpers.keys()) start(i, ...group(i + 1, workers, shards));
  while (!failure && covered.size < shards) {
    rebalance();
    if (own.next < own.end) {
      computeHereNow(own.next);
      own.next += 1;
      await pause();
      continue;
    }
    const helper = richestHelper();
    if (helper) {
      // Take over a busy helper's last shard not started.
      helper.end -= 1;
      helper.request.limit(helper.end);
      computeHereNow(helper.end);
      await pause();
      continue;
    }
    await new Promise((resolve) => {
      wake = resolve;
    });
  }
  // A helper told to stop may already have computed shards past its limit, which another helper was
  // given; this worker may then take one of those over from that helper too: what was computed here
  // counts, the helper's copy goes.
  const parts = [...received.entries()]
    .filter(([k]) => !here.includes(k))
    .sort(([a], [b]) => a - b)
    .map(([, part]) => part);
  if (failure) throw Object.assign(failure, { here, parts });
  return { parts, here, counts };
}
