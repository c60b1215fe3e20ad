// The <gru-lab> example page: a button that calls the element's methods, and its events in a log
// (window.labEvents, which the browser tests read).
const lab = document.getElementById('lab');
const log = document.getElementById('log');
window.labEvents = [];
for (const type of ['gru-lab-ready', 'gru-lab-epoch']) {
  document.addEventListener(type, (event) => {
    window.labEvents.push({ type, target: event.target.id, epoch: event.detail.epoch, detail: event.detail });
    if (type === 'gru-lab-epoch') log.textContent = `epoch ${event.detail.epoch}, loss ${event.detail.loss.toFixed(6)}`;
  });
}
document.getElementById('step-twice').addEventListener('click', async () => {
  await lab.step();
  await lab.step();
});
