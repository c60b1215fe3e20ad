// The bench's page (worker.html): one run in the lab's training worker (www/lab/run.js), Play for `n`
// epochs with no snapshot and nothing drawn, so the worker's own ms per epoch is what is measured. The
// result lands in `window.result`: {ms: [per epoch], counts: [workers per epoch], workers: {count, note},
// loss} or {error}.
import { Run } from '../lab/run.js';

const query = new URLSearchParams(location.search);
const epochs = Number(query.get('n') || 30);
const named = ['auto', 'alternate'];
const workers = named.includes(query.get('workers')) ? query.get('workers') : query.get('workers') ? Number(query.get('workers')) : 'auto';
const config = {};
for (const [key, value] of query) {
  if (!['n', 'workers'].includes(key)) config[key] = Number.isNaN(Number(value)) ? value : Number(value);
}
const ms = [];
const counts = [];
let last = null;
const stopped = new Promise((resolve) => {
  const run = new Run({
    onReport: (message) => { ms.push(message.report.ms); counts.push(message.workers.count); last = message; },
    onStopped: ({ error }) => resolve(error),
    onFailure: (text) => resolve(new Error(text)),
  });
  run.create(config, 'ndarray', workers)
    .then(() => run.play({ until: epochs, sample: 0, every: false }))
    .catch(resolve);
});
stopped.then((error) => {
  window.result = error
    ? { error: String(error.message || error) }
    : { ms, counts, workers: last.workers, loss: last.report.loss };
});
