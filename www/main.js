// The full lab page: one lab mounted in #lab from the URL query, with the documented element ids,
// keyboard shortcuts and the URL kept in step with the controls. Errors that escape everything else
// show in the error panel instead of leaving a dead page.
import { mount } from './lab.js';

const panel = document.getElementById('fatal');

function fatal(text) {
  panel.querySelector('pre').textContent = text;
  panel.hidden = false;
}

window.addEventListener('error', (e) => fatal(String(e.message || e.error)));
window.addEventListener('unhandledrejection', (e) => fatal(String(e.reason && e.reason.message ? e.reason.message : e.reason)));
panel.querySelector('button').addEventListener('click', () => window.location.reload());

mount(document.getElementById('lab'), {
  query: window.location.search,
  ids: true,
  syncUrl: true,
  keyboard: true,
}).then((lab) => {
  window.gruLab = lab;
}, (e) => fatal(e.message));
