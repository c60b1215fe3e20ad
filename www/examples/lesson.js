// The lesson's two labs through the JS API, and the iframe lab through postMessage.
import { mount } from '../lab.js';

const small = mount(document.getElementById('lab-small'), {
  hidden: 4, layers: 1, cell: 'cho', epochs: 60, seed: 7,
  panels: ['prediction', 'loss'], controls: ['step', 'play', 'reset'],
});
const large = mount(document.getElementById('lab-large'), {
  hidden: 32, layers: 1, cell: 'cho', epochs: 60, seed: 7,
  panels: ['prediction', 'loss'], controls: ['step', 'play', 'reset'],
});
Promise.all([small, large]).then(([a, b]) => {
  window.lessonLabs = { small: a, large: b };
});

const frame = document.getElementById('lab-frame');
const log = document.getElementById('frame-log');
window.frameEvents = [];
window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || !event.data || typeof event.data.type !== 'string') return;
  window.frameEvents.push(event.data);
  if (event.data.type === 'gru-lab:epoch') {
    log.textContent = `iframe: epoch ${event.data.epoch}, loss ${event.data.loss.toFixed(6)}`;
  }
});
const command = (name) => frame.contentWindow.postMessage({ type: 'gru-lab:command', command: name }, '*');
document.getElementById('frame-step').addEventListener('click', () => command('step'));
document.getElementById('frame-reset').addEventListener('click', () => command('reset'));
