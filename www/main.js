// The full lab page: one lab mounted in #lab from the URL query, with the documented element ids,
// keyboard shortcuts and the URL kept in step with the controls. Errors that escape everything else
// show in the error panel instead of leaving a dead page.
import { mount } from './lab/index.js';

const panel = document.getElementById('fatal');

function fatal(text) {
  panel.querySelector('pre').textContent = text;
  panel.hidden = false;
}

window.addEventListener('error', (e) => fatal(String(e.message || e.error)));
window.addEventListener('unhandledrejection', (e) => fatal(String(e.reason && e.reason.message ? e.reason.message : e.reason)));
panel.querySelector('button').addEventListener('click', () => window.location.reload());

const embedded = new URLSearchParams(window.location.search).get('embed') === '1';
document.body.classList.toggle('embedded', embedded);

/** In an iframe: epoch events go to the parent; only well-formed commands from the parent are obeyed. */
function connectToParent(lab) {
  if (window.parent === window) return;
  lab.onReport((e) => {
    window.parent.postMessage({
      type: 'gru-lab:epoch', epoch: e.epoch, loss: e.loss, valLoss: e.valLoss, lr: e.lr, ms: e.ms, backend: e.backend,
      // Compare mode: which run this epoch belongs to.
      ...(e.run === undefined ? {} : { run: e.run, label: e.label }),
    }, '*');
  });
  const COMMANDS = ['step', 'play', 'pause', 'reset'];
  window.addEventListener('message', (event) => {
    const data = event.data;
    if (event.source !== window.parent) return;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return;
    if (data.type !== 'gru-lab:command' || typeof data.command !== 'string') return;
    if (Object.keys(data).some((k) => k !== 'type' && k !== 'command')) return;
    if (!COMMANDS.includes(data.command)) return;
    lab[data.command]();
  });
  window.parent.postMessage({ type: 'gru-lab:ready', epoch: lab.epoch, backend: lab.backend }, '*');
}

mount(document.getElementById('lab'), {
  query: window.location.search,
  ids: true,
  syncUrl: true,
  keyboard: !embedded,
}).then((lab) => {
  window.gruLab = lab;
  connectToParent(lab);
}, (e) => fatal(e.message));
