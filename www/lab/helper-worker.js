// A helper worker: computes shards of a run's epochs for the training worker that started it
// (www/lab/parallel.js, www/lab/shard-share.js), with a `ShardHelper` (src/web/session.rs) of the same
// model and data. It never trains or updates anything: it gets the weights and the dropout stream of an
// epoch, returns each of its shards' gradients as soon as it has them, and waits for the next.
//
// Messages:
//   {type: 'init', id, config, module, js} → {id, ok: true} | {id, ok: false, message}: `module` is the
//   training worker's compiled WebAssembly.Module (its code shared, not compiled again), `js` the URL of
//   its bindings;
//   {type: 'begin', params, stream: [high, low]}: the epoch's weights and dropout stream (no answer; a
//   request still computing an earlier epoch stops);
//   {type: 'compute', id, from, to} → {id, part: {shard, sums, grads}} for each shard from `from` on,
//   one at a time (the buffers transferred), then {id, done: true} | {id, ok: false, message};
//   {type: 'limit', id, to}: request `id` stops before shard `to` (the training worker took the rest).
import { pause } from './shard-share.js';

let helper = null;
/** Why the last `begin` failed (its compute requests fail with it), or null. */
let notBegun = null;
/** Each running compute request's end: it stops before this shard. */
const ends = new Map();
const reason = (e) => String(e && e.message ? e.message : e);

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'init') {
      const bindings = await import(msg.js);
      await bindings.default({ module_or_path: msg.module });
      const { ShardHelper } = bindings;
      if (helper) helper.free();
      helper = new ShardHelper(msg.config);
      self.postMessage({ id: msg.id, ok: true });
    } else if (msg.type === 'begin') {
      for (const id of ends.keys()) ends.set(id, 0);
      try {
        helper.begin(msg.params, msg.stream[0], msg.stream[1]);
        notBegun = null;
      } catch (e) {
        notBegun = `the epoch did not begin: ${reason(e)}`;
      }
    } else if (msg.type === 'compute') {
      if (notBegun) throw new Error(notBegun);
      ends.set(msg.id, msg.to);
      for (let k = msg.from; k < ends.get(msg.id); k++) {
        const part = helper.shard(k);
        self.postMessage({ id: msg.id, part: { shard: k, ...part } }, [part.sums.buffer, part.grads.buffer]);
        // Between two shards: a `limit` (or the next epoch's `begin`) gets in.
        await pause();
      }
      ends.delete(msg.id);
      self.postMessage({ id: msg.id, done: true });
    } else if (msg.type === 'limit') {
      if (ends.has(msg.id)) ends.set(msg.id, Math.min(ends.get(msg.id), msg.to));
    }
  } catch (e) {
    ends.delete(msg.id);
    self.postMessage({ id: msg.id, ok: false, message: reason(e) });
  }
};
