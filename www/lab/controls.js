// The toolbar (Step, Play/Pause, Reset, save and load) and the settings (one input per config field),
// with the keyboard shortcuts. Controls only call the actions they are given; they hold no state.
import { core } from './core.js';
import { el } from './dom.js';
import { EXPORTS } from './exports.js';

const BUTTONS = ['step', 'play', 'reset'];
/** The file buttons: `save` (Save weights, Save .pth) and `load` (Load weights…). */
const FILE_BUTTONS = ['save', 'load'];

const SETTINGS = {
  // The tasks come from the Rust registry too (core.tasks()).
  task: { label: 'task', type: 'select', options: () => core.tasks().map((t) => ({ value: t.name, text: t.title, title: t.about })) },
  hidden: { label: 'hidden units', type: 'number', min: 1, max: 128, step: 1 },
  layers: { label: 'layers', type: 'select', options: ['1', '2', '3', '4'] },
  // The cells come from the Rust registry (core.cells()), so a new cell needs no change here.
  cell: { label: 'cell', type: 'select', options: () => core.cells().map((c) => ({ value: c.name, text: c.title, title: c.about })) },
  lr: { label: 'learning rate', type: 'number', min: 0.00001, max: 1, step: 'any' },
  dropout: { label: 'dropout', type: 'number', min: 0, max: 0.9, step: 0.05 },
  // A series task takes windows of up to 50 values, a memory task gaps of up to 200 (config.rs).
  window: { label: 'window', type: 'number', min: 2, max: (task) => (task.memory ? 200 : 50), step: 1 },
  // Shown only for the tasks that read them.
  split: { label: 'validation split', type: 'number', min: 0, max: 0.5, step: 0.05, when: (task) => !task.memory },
  samples: { label: 'windows', type: 'number', min: 10, max: 10000, step: 10, when: (task) => task.memory },
  noise: { label: 'noise', type: 'number', min: 0, max: 1, step: 0.05, when: (task) => task.name === 'noisy-sine' },
  epochs: { label: 'epochs', type: 'number', min: 1, max: 10000, step: 1 },
  seed: { label: 'seed', type: 'number', min: 0, max: 4294967295, step: 1 },
};

/** Experiments one click away. `readable` keeps the cell: with 4 units in 1 layer and no dropout the
 * gates move far from 0.5 and every unit can be read. */
const PRESETS = [
  { value: 'readable', text: 'gates you can read: 1 layer × 4 units, no dropout, lr 0.03', query: 'hidden=4&layers=1&dropout=0&lr=0.03&epochs=300' },
  { value: 'tutorial', text: 'the tutorial: 2 layers × 32 units', query: 'task=sine&hidden=32&layers=2&dropout=0.1&lr=0.01&window=10&points=1000&epochs=100&seed=42&split=0&compare=' },
  { value: 'race', text: 'race: RNN vs GRU vs LSTM on the adding problem', query: 'task=adding&hidden=32&layers=1&dropout=0.1&lr=0.01&window=60&samples=1000&epochs=300&seed=42&compare=rnn,cho,lstm' },
];

/** The names a `controls` option may list; `history` is the scrubber bar (scrubber.js). */
export const CONTROL_NAMES = [...BUTTONS, ...FILE_BUTTONS, 'preset', ...Object.keys(SETTINGS), 'compare', 'history'];
/** What an embedded lab shows when its `controls` are not given: no file buttons, no history bar. */
export const EMBED_CONTROLS = CONTROL_NAMES.filter((c) => !FILE_BUTTONS.includes(c) && c !== 'history');

/**
 * Builds the bar. `ctx`: {id(name), on(target, type, fn), shown: [names], keyboard};
 * `actions`: {step, togglePlay, reset, save, savePth, exportFile(kind), load(file), change(name, value),
 * preset(query), compare(text)}. Returns {element, setPlaying(playing), syncInputs(config), setCompare(text)}.
 */
export function mountControls(ctx, actions) {
  const buttons = {
    step: el('button', { id: ctx.id('step'), type: 'button', text: 'Step ▸', title: 'train one epoch (→)' }),
    play: el('button', { id: ctx.id('play'), type: 'button', text: 'Play ▶', title: 'train until paused (Space)' }),
    reset: el('button', { id: ctx.id('reset'), type: 'button', text: 'Reset ↺', title: 're-initialise with the seed (R)' }),
  };
  const toolbar = el('div', { class: 'toolbar' }, BUTTONS.filter((b) => ctx.shown.includes(b)).map((b) => buttons[b]));
  ctx.on(buttons.step, 'click', () => actions.step());
  ctx.on(buttons.play, 'click', () => actions.togglePlay());
  ctx.on(buttons.reset, 'click', () => actions.reset());
  if (ctx.shown.includes('save')) {
    const save = el('button', { id: ctx.id('save'), type: 'button', class: 'secondary', text: 'Save weights', title: 'download this run as a GRU Lab weights file' });
    const savePth = el('button', { id: ctx.id('save-pth'), type: 'button', class: 'secondary', text: 'Save .pth', title: 'download this run as a PyTorch state_dict (torch.load + load_state_dict)' });
    // The other exports (exports.js): one menu, so the toolbar stays one row on a laptop.
    const exportMenu = el('select', { id: ctx.id('export'), class: 'export', 'aria-label': 'export', title: 'download the results figure, the history as CSV, or the whole run as a file that Load restores' }, [
      el('option', { value: '', text: 'Export…' }), ...Object.entries(EXPORTS).map(([value, text]) => el('option', { value, text }))]);
    toolbar.append(save, savePth, exportMenu);
    ctx.on(save, 'click', () => actions.save());
    ctx.on(savePth, 'click', () => actions.savePth());
    ctx.on(exportMenu, 'change', () => {
      const kind = exportMenu.value;
      exportMenu.value = '';
      if (kind) actions.exportFile(kind);
    });
  }
  if (ctx.shown.includes('load')) {
    const fileInput = el('input', { id: ctx.id('load'), type: 'file', accept: '.json,.pth,.pt,application/json', class: 'visually-hidden' });
    const load = el('label', { class: 'file-button', title: 'start from a GRU Lab weights file (.json, e.g. from the CLI), a run file (Export… run file: its history too) or a PyTorch .pth' }, ['Load…', fileInput]);
    toolbar.append(load);
    ctx.on(fileInput, 'change', async () => {
      const file = fileInput.files[0];
      fileInput.value = '';
      if (file) await actions.load(/\.pth?$/i.test(file.name) ? await file.arrayBuffer() : await file.text());
    });
  }

  const inputs = {};
  const labels = {};
  const settings = el('div', { class: 'settings' });
  if (ctx.shown.includes('preset')) {
    const preset = el('select', { name: 'preset', id: ctx.id('preset') }, [
      el('option', { value: '', text: 'choose…' }), ...PRESETS.map((p) => el('option', { value: p.value, text: p.text }))]);
    settings.append(el('label', { class: 'preset' }, [el('span', { text: 'preset' }), preset]));
    ctx.on(preset, 'change', () => {
      const chosen = PRESETS.find((p) => p.value === preset.value);
      preset.value = '';
      if (chosen) actions.preset(chosen.query);
    });
  }
  for (const [name, spec] of Object.entries(SETTINGS)) {
    if (!ctx.shown.includes(name)) continue;
    let input;
    if (spec.type === 'select') {
      const options = typeof spec.options === 'function' ? spec.options() : spec.options.map((o) => ({ value: o, text: o }));
      input = el('select', { name, id: ctx.id(`cfg-${name}`) }, options.map((o) => el('option', o)));
    } else {
      input = el('input', { name, id: ctx.id(`cfg-${name}`), type: 'number', min: spec.min, max: typeof spec.max === 'function' ? undefined : spec.max, step: spec.step, inputmode: 'decimal' });
    }
    const label = el('label', {}, [el('span', { text: spec.label }), input]);
    settings.append(label);
    inputs[name] = input;
    labels[name] = label;
    ctx.on(input, 'change', () => actions.change(name, input.value));
  }

  // Compare mode's runs: cells, each optionally with its own fields (compare.rs reads the text).
  let compareInput = null;
  if (ctx.shown.includes('compare')) {
    compareInput = el('input', { name: 'compare', id: ctx.id('cfg-compare'), type: 'text', placeholder: 'e.g. rnn,cho,lstm', spellcheck: 'false', autocomplete: 'off' });
    settings.append(el('label', { class: 'compare', title: 'up to 4 runs side by side on the same data and seed: cell names, each optionally with :hidden=…:layers=…:lr=…:dropout=…:window=… (empty: one run)' }, [el('span', { text: 'compare runs' }), compareInput]));
    ctx.on(compareInput, 'change', () => actions.compare(compareInput.value));
  }

  if (ctx.keyboard) {
    // The shortcuts work whatever has focus (a button just clicked too: Space plays, it does not press
    // the focused button again), except where the key edits a value: text fields, selects, sliders, and
    // where a focused chart took the key (its arrow keys walk its cells: defaultPrevented).
    ctx.on(document, 'keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
      if (e.target.closest && e.target.closest('input, select, textarea, [contenteditable]')) return;
      if (e.key === ' ') { e.preventDefault(); actions.togglePlay(); }
      else if (e.key === 'ArrowRight') { e.preventDefault(); actions.step(); }
      else if (e.key === 'r' || e.key === 'R') { e.preventDefault(); actions.reset(); }
    });
  }

  return {
    element: el('div', { class: 'bar' }, [toolbar, settings]),
    setPlaying(playing) {
      buttons.play.textContent = playing ? 'Pause ❚❚' : 'Play ▶';
      buttons.play.setAttribute('aria-pressed', String(playing));
    },
    /** Shows the compare list in use. */
    setCompare(text) {
      if (compareInput) compareInput.value = text;
      // Each run of a comparison names its own cell.
      if (inputs.cell) {
        inputs.cell.disabled = Boolean(text);
        inputs.cell.title = text ? 'each run names its cell in "compare runs"' : '';
      }
    },
    /** Shows the config's values, and only the fields its task reads. */
    syncInputs(config) {
      const task = core.tasks().find((t) => t.name === config.task) || {};
      for (const [name, input] of Object.entries(inputs)) {
        const spec = SETTINGS[name];
        input.value = String(config[name]);
        if (spec.when) labels[name].hidden = !spec.when(task);
        if (typeof spec.max === 'function') input.max = String(spec.max(task));
      }
    },
  };
}
