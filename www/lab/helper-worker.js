// A helper worker: computes shards of a run's epochs for the training worker that started it
// (www/lab/parallel.js), with a `ShardHelper` (src/web/session.rs) of the same model and data. It never
// trains or updates anything: it gets the weights and the dropout stream of an epoch, returns each of
// its shards' gradients, and waits for the next.
//
// Messages (each answered with its id):
//   {type: 'init', id, config, module, js} → {id, ok: true} | {id, ok: false, message}: `module` is the
//   training worker's compiled WebAssembly.Module (its code shared, not compiled again), `js` the URL of
//   its bindings;
//   {type: 'compute', id, params, stream: [high, low], from, to} → {id, parts: [{sums, grads}]} (the
//   buffers transferred) | {id, ok: false, message}.
let helper = null;

self.onmessage = async ({ data: msg }) => {
  try {
    if (msg.type === 'init') {
      const bindings = await import(msg.js);
      await bindings.default({ module_or_path: msg.module });
      const { ShardHelper } = bindings;
      if (helper) helper.free();
      helper = new ShardHelper(msg.config);
      self.postMessage({ id: msg.id, ok: true });
    } else if (msg.type === 'compute') {
      const parts = helper.compute(msg.params, msg.stream[0], msg.stream[1], msg.from, msg.to);
      const transfer = parts.flatMap((p) => [p.sums.buffer, p.grads.buffer]);
      self.postMessage({ id: msg.id, parts }, transfer);
    }
  } catch (e) {
    self.postMessage({ id: msg.id, ok: false, message: String(e && e.message ? e.message : e) });
  }
};
