// GRU Lab in a page: builds the controls, canvases and diagram inside an element, drives the training
// worker and draws every epoch with the Rust drawing code (plotters on canvases).
//
//   import { mount } from './www/lab.js';
//   const lab = await mount(element, { hidden: 16, layers: 1, epochs: 50 });
//   lab.step(); lab.play(); lab.pause(); lab.reset(); lab.setLearningRate(0.003);
//   lab.onEpoch((e) => console.log(e.epoch, e.loss)); lab.destroy();
// The main thread only validates and draws: it loads the small CPU-only build (scripts/build-cpu-module.sh).
import init, * as core from '../cpu/gru-lab.js';

const wasmReady = init({ module_or_path: new URL('../cpu/gru-lab_bg.wasm', import.meta.url) });

/** Query keys that belong to the page, not to the model config. */
export const PAGE_KEYS = ['backend', 'embed', 'panels', 'controls', 'sample'];
export const PANELS = ['prediction', 'loss', 'gates', 'architecture', 'equations'];
export const CONTROLS = ['step', 'play', 'reset', 'hidden', 'layers', 'cell', 'lr', 'dropout', 'window', 'epochs', 'seed'];
const CONFIG_FIELDS = ['hidden', 'layers', 'cell', 'lr', 'dropout', 'window', 'points', 'epochs', 'seed'];
const BACKENDS = ['auto', 'webgpu', 'ndarray'];

const CONTROL_SPECS = {
  hidden: { label: 'hidden units', type: 'number', min: 1, max: 128, step: 1 },
  layers: { label: 'layers', type: 'select', options: ['1', '2', '3', '4'] },
  // The cells come from the Rust registry (core.cells()), so a new cell needs no change here.
  cell: { label: 'cell', type: 'select', options: () => core.cells().map((c) => ({ value: c.name, text: c.name, title: c.title })) },
  lr: { label: 'learning rate', type: 'number', min: 0.00001, max: 1, step: 'any' },
  dropout: { label: 'dropout', type: 'number', min: 0, max: 0.9, step: 0.05 },
  window: { label: 'window', type: 'number', min: 2, max: 50, step: 1 },
  epochs: { label: 'epochs', type: 'number', min: 1, max: 10000, step: 1 },
  seed: { label: 'seed', type: 'number', min: 0, max: 4294967295, step: 1 },
};

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children) node.append(child);
  return node;
}

/** Splits `a,b` lists and checks every entry against `allowed`. */
function parseList(name, value, allowed) {
  const items = (Array.isArray(value) ? value : String(value).split(',')).map((s) => String(s).trim()).filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item)) {
      throw new Error(`${name}: "${item}" is not allowed; ${name} must be a list of ${allowed.join(', ')}`);
    }
  }
  return items;
}

/** Reads the page keys of a query string. Bad values become messages; defaults stay. */
function pageOptions(query, errors) {
  const params = new URLSearchParams(query);
  const page = { backend: 'auto', embed: false, panels: PANELS, controls: CONTROLS, sample: 0 };
  const backend = params.get('backend');
  if (backend !== null) {
    if (BACKENDS.includes(backend)) page.backend = backend;
    else errors.push(`backend = "${backend}" is not allowed: backend must be one of ${BACKENDS.join(', ')}`);
  }
  page.embed = params.get('embed') === '1';
  for (const key of ['panels', 'controls']) {
    if (params.has(key)) {
      try {
        page[key] = parseList(key, params.get(key), key === 'panels' ? PANELS : CONTROLS);
      } catch (e) {
        errors.push(e.message);
      }
    }
  }
  if (params.has('sample')) {
    const s = Number(params.get('sample'));
    if (Number.isInteger(s) && s >= 0) page.sample = s;
    else errors.push(`sample = "${params.get('sample')}" is not allowed: sample must be an integer from 0`);
  }
  return page;
}

/** Turns JS API options into a query string; unknown options or wrong types throw a named Error. */
export function optionsToQuery(options = {}) {
  const known = [...CONFIG_FIELDS, ...PAGE_KEYS, 'ids', 'syncUrl'];
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) {
      throw new Error(`option "${key}" is unknown: options are ${known.join(', ')}`);
    }
    if (key === 'ids' || key === 'syncUrl') continue;
    if (key === 'panels' || key === 'controls') {
      params.set(key, parseList(key, value, key === 'panels' ? PANELS : CONTROLS).join(','));
    } else if (key === 'embed') {
      params.set(key, value ? '1' : '0');
    } else {
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw new Error(`option "${key}" has type ${typeof value}: ${key} must be a number or a string`);
      }
      params.set(key, String(value));
    }
  }
  return params.toString();
}

/** `h_{t−1}` and `x_t` as text nodes and <sub> elements (never HTML parsing). */
function subscripts(text) {
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(/_\{([^}]*)\}|_(\w+)/g)) {
    parts.push(text.slice(last, m.index), el('sub', { text: m[1] ?? m[2] }));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

let labCount = 0;

class GruLab {
  constructor(root, config, page, opts) {
    this.root = root;
    this.config = config;
    this.page = page;
    this.opts = opts;
    this.id = ++labCount;
    this.listeners = [];
    this.generation = 0;
    this.requests = new Map();
    this.nextRequest = 1;
    this.playing = false;
    this.busy = false;
    this.destroyed = false;
    // One number per epoch (a packed double array: the soak test reads the heap after 2,000 epochs).
    this.losses = [];
    this.lastReport = null;
    this.snapshot = null;
    this.sample = page.sample;
    this.dark = window.matchMedia('(prefers-color-scheme: dark)');
    this.cleanup = [];
    this.build();
    this.startWorker();
  }

  /** A fresh training worker; requests still waiting on an old one are rejected. */
  startWorker() {
    if (this.worker) this.worker.terminate();
    for (const { reject } of this.requests.values()) reject(new Error('training worker restarted'));
    this.requests.clear();
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => this.reply(e.data);
    this.worker.onerror = (e) => this.showError(`training worker failed: ${e.message || 'unknown error'}`);
  }

  // ---------------------------------------------------------------- DOM
  build() {
    const ids = this.opts.ids;
    const id = (name) => (ids ? name : null);
    const has = (panel) => this.page.panels.includes(panel);
    const control = (name) => this.page.controls.includes(name);
    this.root.classList.add('gru-lab');
    this.root.classList.toggle('embed', this.page.embed);
    this.root.replaceChildren();

    this.message = el('div', { id: id('message'), class: 'message', role: 'alert', hidden: true });
    this.backendBadge = el('span', { id: id('backend'), class: 'badge', text: 'starting…' });
    this.buttons = {
      step: el('button', { id: id('step'), type: 'button', text: 'Step ▸', title: 'train one epoch (→)' }),
      play: el('button', { id: id('play'), type: 'button', text: 'Play ▶', title: 'train until paused (Space)' }),
      reset: el('button', { id: id('reset'), type: 'button', text: 'Reset ↺', title: 're-initialise with the seed (R)' }),
    };
    const toolbar = el('div', { class: 'toolbar' });
    for (const name of ['step', 'play', 'reset']) {
      if (control(name)) toolbar.append(this.buttons[name]);
    }
    if (!this.page.embed) {
      this.buttons.save = el('button', { id: id('save'), type: 'button', class: 'secondary', text: 'Save weights', title: 'download this run as a GRU Lab weights file' });
      this.buttons.savePth = el('button', { id: id('save-pth'), type: 'button', class: 'secondary', text: 'Save .pth', title: 'download this run as a PyTorch state_dict (torch.load + load_state_dict)' });
      this.fileInput = el('input', { id: id('load'), type: 'file', accept: '.json,.pth,.pt,application/json', class: 'visually-hidden' });
      const load = el('label', { class: 'file-button', title: 'start from a GRU Lab weights file (.json, e.g. from the CLI)' }, ['Load weights…', this.fileInput]);
      toolbar.append(this.buttons.save, this.buttons.savePth, load);
    }
    this.inputs = {};
    const settings = el('div', { class: 'settings' });
    for (const [name, spec] of Object.entries(CONTROL_SPECS)) {
      if (!control(name)) continue;
      let input;
      if (spec.type === 'select') {
        const options = typeof spec.options === 'function' ? spec.options() : spec.options.map((o) => ({ value: o, text: o }));
        input = el('select', { name }, options.map((o) => el('option', o)));
      } else {
        input = el('input', { name, type: 'number', min: spec.min, max: spec.max, step: spec.step, inputmode: 'decimal' });
      }
      if (ids) input.id = `cfg-${name}`;
      settings.append(el('label', {}, [el('span', { text: spec.label }), input]));
      this.inputs[name] = input;
    }
    this.epochEl = el('span', { id: id('epoch'), text: '0' });
    this.lossEl = el('span', { id: id('loss'), text: '–' });
    this.epochsEl = el('span', { text: '' });
    this.lrEl = el('span', { text: '' });
    this.msEl = el('span', { text: '–' });
    this.paramsEl = el('span', { text: '' });
    const status = el('div', { class: 'status' }, [
      'epoch ', this.epochEl, '/', this.epochsEl, ' · loss ', this.lossEl, ' · lr ', this.lrEl,
      ' · ', this.msEl, ' ms/epoch · ', this.paramsEl, ' parameters · ', this.backendBadge,
    ]);
    this.live = el('div', { class: 'visually-hidden', 'aria-live': 'polite' });

    const panels = el('div', { class: 'panels' });
    this.canvases = {};
    const canvasPanel = (name, title, alt) => {
      const canvas = el('canvas', { id: id(`${name}-chart`), role: 'img', 'aria-label': alt });
      this.canvases[name] = canvas;
      const panel = el('section', { class: `panel ${name}` }, [el('h3', { text: title }), el('div', { class: 'canvas-box' }, [canvas])]);
      panels.append(panel);
      return panel;
    };
    if (has('prediction')) {
      const panel = canvasPanel('prediction', 'Prediction vs truth', 'sine wave: truth, prediction and error');
      this.sampleInput = el('input', { type: 'range', min: 0, max: 0, value: 0, 'aria-label': 'window whose gates are shown', id: id('sample') });
      this.sampleLabel = el('span', { class: 'sample-label' });
      panel.append(el('label', { class: 'sample' }, [el('span', { text: 'gates of window ' }), this.sampleInput, this.sampleLabel]));
    }
    if (has('loss')) canvasPanel('loss', 'Training loss', 'training loss per epoch, log scale');
    if (has('gates')) {
      canvasPanel('gates', 'Gate activations of the selected window: time step → across, hidden unit ↓ down',
        'heatmaps of the cell\'s gates and states for every layer');
    }
    if (has('architecture')) {
      this.architecture = el('div', { id: id('architecture'), class: 'architecture' });
      panels.append(el('section', { class: 'panel architecture-panel' }, [el('h3', { text: 'Architecture' }), this.architecture]));
    }
    if (has('equations')) {
      this.equations = el('ol', { id: id('equations'), class: 'equations' });
      panels.append(el('section', { class: 'panel equations-panel' }, [el('h3', { text: 'Equations' }), this.equations]));
    }
    this.tooltip = el('div', { class: 'tooltip', hidden: true, role: 'status' });
    const children = [this.message, el('div', { class: 'bar' }, [toolbar, settings]), status, this.live, panels, this.tooltip];
    if (this.page.embed) {
      const link = el('a', { class: 'open-full', target: '_blank', rel: 'noopener', text: 'open full lab ↗' });
      this.fullLink = link;
      status.append(' · ', link);
    }
    this.root.append(...children);
    this.wire();
  }

  on(target, type, fn, options) {
    target.addEventListener(type, fn, options);
    this.cleanup.push(() => target.removeEventListener(type, fn, options));
  }

  wire() {
    this.on(this.buttons.step, 'click', () => this.step());
    this.on(this.buttons.play, 'click', () => (this.playing ? this.pause() : this.play()));
    this.on(this.buttons.reset, 'click', () => this.reset());
    if (this.buttons.save) {
      this.on(this.buttons.save, 'click', () => this.saveWeights());
      this.on(this.buttons.savePth, 'click', () => this.savePth());
      this.on(this.fileInput, 'change', async () => {
        const file = this.fileInput.files[0];
        this.fileInput.value = '';
        if (file) await this.loadWeights(/\.pth?$/i.test(file.name) ? await file.arrayBuffer() : await file.text());
      });
    }
    for (const [name, input] of Object.entries(this.inputs)) {
      this.on(input, 'change', () => this.changeField(name, input.value));
    }
    if (this.sampleInput) {
      this.on(this.sampleInput, 'input', () => this.selectSample(Number(this.sampleInput.value)));
    }
    if (this.canvases.prediction) {
      this.on(this.canvases.prediction, 'click', (e) => {
        const s = this.sampleAt(e);
        if (s !== null) this.selectSample(s);
      });
      this.on(this.canvases.prediction, 'mousemove', (e) => this.hoverPrediction(e));
      this.on(this.canvases.prediction, 'mouseleave', () => this.hideTooltip());
    }
    if (this.canvases.gates) {
      this.on(this.canvases.gates, 'mousemove', (e) => this.hoverGates(e));
      this.on(this.canvases.gates, 'mouseleave', () => { this.hideTooltip(); this.highlight(null); });
    }
    if (this.opts.keyboard) {
      this.on(document, 'keydown', (e) => {
        if (e.target.closest && e.target.closest('input, select, textarea, button')) return;
        if (e.key === ' ') { e.preventDefault(); this.playing ? this.pause() : this.play(); }
        else if (e.key === 'ArrowRight') { e.preventDefault(); this.step(); }
        else if (e.key === 'r' || e.key === 'R') { e.preventDefault(); this.reset(); }
      });
    }
    this.resizer = new ResizeObserver(() => this.fitCanvases());
    for (const canvas of Object.values(this.canvases)) this.resizer.observe(canvas.parentElement);
    this.cleanup.push(() => this.resizer.disconnect());
    const redraw = () => this.draw();
    this.dark.addEventListener('change', redraw);
    this.cleanup.push(() => this.dark.removeEventListener('change', redraw));
  }

  fitCanvases() {
    const dpr = window.devicePixelRatio || 1;
    for (const canvas of Object.values(this.canvases)) {
      const box = canvas.parentElement.getBoundingClientRect();
      const w = Math.max(1, Math.round(box.width * dpr));
      const h = Math.max(1, Math.round(box.height * dpr));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
    }
    this.draw();
  }

  // ---------------------------------------------------------------- worker RPC
  request(type, payload = {}) {
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...payload });
    });
  }

  reply(msg) {
    const pending = this.requests.get(msg.id);
    if (!pending) return;
    this.requests.delete(msg.id);
    if (msg.ok) pending.resolve(msg.result);
    else pending.reject(new Error(msg.error));
  }

  // ---------------------------------------------------------------- run control
  async start() {
    this.syncInputs();
    this.renderStatic();
    this.fitCanvases();
    await this.restart();
  }

  /** Downloads the current weights as a GRU Lab weights file. */
  async saveWeights() {
    try {
      await this.startup;
      const text = await this.request('save');
      const link = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })), download: 'gru-lab-weights.json' });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      return text;
    } catch (e) {
      this.showError(`saving failed: ${e.message}`);
      return null;
    }
  }

  /** Downloads the current weights as a PyTorch .pth state_dict; returns its bytes. */
  async savePth() {
    try {
      await this.startup;
      const bytes = await this.request('savePth');
      const blob = new Blob([bytes], { type: 'application/octet-stream' });
      const link = el('a', { href: URL.createObjectURL(blob), download: `gru-lab-${this.config.cell}.pth` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      return bytes;
    } catch (e) {
      this.showError(`saving failed: ${e.message}`);
      return null;
    }
  }

  /** Starts over from a weights file (GRU Lab JSON text, or a PyTorch .pth as an ArrayBuffer or typed
   * array); a bad file is refused with its reason and the run goes on. */
  async loadWeights(file) {
    if (this.busy) {
      this.showError('wait for the running epoch to finish, then load the file again');
      return false;
    }
    this.pause();
    try {
      await this.startup;
      const bytes = ArrayBuffer.isView(file) ? file.slice().buffer : file instanceof ArrayBuffer ? file.slice(0) : null;
      if (typeof file !== 'string' && !bytes) {
        throw new Error(`loadWeights takes the text of a GRU Lab weights file or the bytes of a .pth file, not ${typeof file}`);
      }
      const config = bytes
        ? await this.request('loadPth', { bytes })
        : await this.request('load', { text: file });
      this.clearMessage();
      this.config = config;
      this.syncInputs();
      this.syncUrl();
      this.renderStatic();
      await this.restart({ loaded: true });
      return true;
    } catch (e) {
      this.showError(`weights file refused: ${e.message}. The current run is unchanged.`);
      return false;
    }
  }

  /** Starts a fresh run of the current config (or keeps the just-loaded one); results of older runs are dropped. */
  async restart({ loaded = false } = {}) {
    const generation = ++this.generation;
    this.pause();
    this.losses = [];
    this.lastReport = null;
    this.snapshot = null;
    this.series = core.dataset(this.config);
    const samples = this.series.truth.length;
    this.sample = Math.min(this.sample, samples - 1);
    if (this.sampleInput) {
      this.sampleInput.max = String(samples - 1);
      this.sampleInput.value = String(this.sample);
    }
    this.updateStatus();
    this.draw();
    if (!loaded) {
      this.startup = this.request('create', { config: this.config, backend: this.page.backend });
      const created = await this.startup;
      if (generation !== this.generation) return;
      this.backendName = created.backend;
      this.backendBadge.textContent = created.backend;
      this.backendBadge.title = created.backend;
      this.backendBadge.classList.remove('fallback');
    }
    const first = await this.request('snapshot', { sample: this.sample });
    if (generation !== this.generation) return;
    this.snapshot = first;
    this.draw();
  }

  async step() {
    if (this.busy || this.destroyed) return false;
    if (this.losses.length >= this.config.epochs) {
      this.showError(`all ${this.config.epochs} epochs done: raise epochs or press Reset`);
      return false;
    }
    this.busy = true;
    const generation = this.generation;
    try {
      await this.startup;
      const result = await this.request('step', { sample: this.sample });
      if (generation !== this.generation) return false;
      if (result.backend) this.switchedBackend(result);
      this.losses.push(result.report.loss);
      this.lastReport = result.report;
      this.snapshot = result;
      this.updateStatus();
      this.draw();
      this.announce();
      this.emit(result);
      return true;
    } catch (e) {
      if (generation === this.generation) {
        this.pause();
        const diverged = /^loss diverged/.test(e.message);
        // A Rust panic in the worker traps its wasm instance ("unreachable"): that worker is done for.
        this.crashed = /unreachable|RuntimeError/.test(e.message);
        this.showError(diverged
          ? `${e.message}. The weights and history from before that epoch are kept: lower the learning rate and press Step to go on, or Reset.`
          : this.crashed
            ? `The training worker crashed (${e.message}). Press Reset to start a new one; your settings are kept in the URL.`
            : e.message);
      }
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** WebGPU failed mid-run and the worker went on on ndarray from the last finished epoch: say so, and
   * drop any epoch drawn after that one (the worker trained it again). */
  switchedBackend(result) {
    this.backendName = result.backend;
    this.backendBadge.textContent = result.backend;
    this.backendBadge.title = result.backend;
    this.backendBadge.classList.add('fallback');
    this.losses = this.losses.slice(0, result.report.epoch - 1);
    this.showError(`WebGPU stopped working, so training moved to the CPU: ${result.backend}.`);
  }

  async play() {
    if (this.playing || this.destroyed) return;
    this.playing = true;
    this.buttons.play.textContent = 'Pause ❚❚';
    this.buttons.play.setAttribute('aria-pressed', 'true');
    const generation = this.generation;
    while (this.playing && generation === this.generation && this.losses.length < this.config.epochs) {
      const ok = await this.step();
      if (!ok && this.busy) await new Promise((r) => setTimeout(r, 10));
      else if (!ok) break;
      await new Promise((r) => requestAnimationFrame(r));
    }
    if (generation === this.generation) this.pause();
  }

  pause() {
    this.playing = false;
    this.buttons.play.textContent = 'Play ▶';
    this.buttons.play.setAttribute('aria-pressed', 'false');
  }

  async reset() {
    this.clearMessage();
    if (this.crashed) {
      this.crashed = false;
      this.startWorker();
    }
    await this.restart();
  }

  async setLearningRate(lr) {
    const result = core.applyQuery(this.config, `lr=${encodeURIComponent(lr)}`, PAGE_KEYS);
    if (result.errors.length) throw new Error(result.errors[0].message);
    this.config = result.config;
    this.syncInputs();
    this.syncUrl();
    await this.startup;
    await this.request('lr', { lr: this.config.lr });
    this.updateStatus();
  }

  /** A control changed: validate it through the one validation layer; restart on a valid change. */
  async changeField(name, value) {
    if (name === 'lr') {
      try {
        this.clearMessage();
        await this.setLearningRate(value);
      } catch (e) {
        this.showError(e.message);
        this.syncInputs();
      }
      return;
    }
    const result = core.applyQuery(this.config, `${name}=${encodeURIComponent(value)}`, PAGE_KEYS);
    if (result.errors.length) {
      this.showError(result.errors.map((e) => e.message).join('\n'));
      this.syncInputs();
      return;
    }
    this.clearMessage();
    this.config = result.config;
    this.syncInputs();
    this.syncUrl();
    this.renderStatic();
    await this.restart();
  }

  selectSample(sample) {
    this.sample = sample;
    if (this.sampleInput) this.sampleInput.value = String(sample);
    if (this.busy) return;
    const generation = this.generation;
    this.request('snapshot', { sample }).then((snap) => {
      if (generation !== this.generation || this.busy) return;
      this.snapshot = { ...snap, report: this.snapshot && this.snapshot.report };
      this.draw();
    }, (e) => this.showError(e.message));
  }

  // ---------------------------------------------------------------- drawing
  renderStatic() {
    if (this.architecture) {
      // The SVG is generated by our own Rust code from a validated config (no user text inside).
      this.architecture.innerHTML = core.architectureSvg(this.config);
    }
    const quantities = core.gateEquations(this.config);
    if (this.equations) {
      this.equations.replaceChildren(...quantities.map((row) => el('li', { 'data-gate': row.gate }, [
        ...subscripts(row.equation), el('span', { class: 'meaning', text: ` — ${row.meaning}` }),
      ])));
    }
    if (this.canvases.gates) {
      this.canvases.gates.setAttribute('aria-label',
        `heatmaps of ${quantities.map((q) => q.title).join(', ')} for every layer`);
    }
    this.paramsEl.textContent = core.applyQuery(this.config, '', PAGE_KEYS).parameters.toLocaleString('en-US');
    this.epochsEl.textContent = String(this.config.epochs);
    if (this.fullLink) this.fullLink.href = `${new URL('../index.html', import.meta.url).pathname}?${this.query()}`;
  }

  draw() {
    if (!this.series || this.destroyed) return;
    const dark = this.dark.matches;
    const dpr = window.devicePixelRatio || 1;
    const snap = this.snapshot;
    try {
      if (this.canvases.prediction) {
        core.drawPrediction(this.canvases.prediction, this.series.times, this.series.truth,
          snap ? snap.predictions : new Float32Array(), this.sample, dark, dpr);
      }
      if (this.canvases.loss) {
        core.drawLoss(this.canvases.loss, this.losses, snap ? snap.lr : this.config.lr,
          this.config.epochs, dark, dpr);
      }
      if (this.canvases.gates && snap && snap.trace) {
        core.drawGates(this.canvases.gates, snap.trace, this.config.cell, dark, dpr);
      }
    } catch (e) {
      this.showError(`drawing failed: ${e.message}`);
    }
    if (this.sampleLabel) {
      const t = this.series.times[this.sample];
      this.sampleLabel.textContent = `#${this.sample} (t = ${t.toFixed(2)})`;
    }
  }

  updateStatus() {
    const last = this.lastReport;
    this.epochEl.textContent = String(this.losses.length);
    this.lossEl.textContent = last ? last.loss.toFixed(6) : '–';
    this.lrEl.textContent = (this.snapshot ? this.snapshot.lr : this.config.lr).toPrecision(3);
    this.msEl.textContent = last ? last.ms.toFixed(last.ms < 10 ? 1 : 0) : '–';
  }

  announce() {
    const n = this.losses.length;
    if (!this.playing || n % 10 === 0 || n === this.config.epochs) {
      this.live.textContent = `epoch ${n}, loss ${this.losses[n - 1].toFixed(6)}`;
    }
  }

  sampleAt(event) {
    const rect = this.canvases.prediction.getBoundingClientRect();
    // The chart's plot area starts after the margin and y labels (8 + 44 CSS px) and ends 8 px early.
    const frac = (event.clientX - rect.left - 52) / (rect.width - 60);
    if (frac < 0 || frac > 1 || !this.series) return null;
    const n = this.series.truth.length;
    return Math.min(n - 1, Math.max(0, Math.round(frac * (n - 1))));
  }

  hoverPrediction(event) {
    const s = this.sampleAt(event);
    if (s === null) return this.hideTooltip();
    const p = this.snapshot ? this.snapshot.predictions[s] : undefined;
    const text = `window #${s} · t = ${this.series.times[s].toFixed(3)} · truth ${this.series.truth[s].toFixed(4)}`
      + (p === undefined ? '' : ` · prediction ${p.toFixed(4)}`);
    this.showTooltip(event, text);
  }

  hoverGates(event) {
    if (!this.snapshot || !this.snapshot.trace) return;
    const canvas = this.canvases.gates;
    const rect = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const x = (event.clientX - rect.left) * (canvas.width / rect.width);
    const y = (event.clientY - rect.top) * (canvas.height / rect.height);
    const hit = core.gateAt(canvas, this.snapshot.trace, this.config.cell, x, y, dpr);
    if (!hit) {
      this.hideTooltip();
      this.highlight(null);
      return;
    }
    this.highlight(hit.gate);
    this.showTooltip(event, `layer ${hit.layer + 1} · ${hit.gate} · step ${hit.step + 1} · unit ${hit.unit + 1} = ${hit.value.toFixed(4)}`);
  }

  highlight(gate) {
    for (const node of this.root.querySelectorAll('[data-gate]')) {
      node.classList.toggle('highlight', node.getAttribute('data-gate') === gate);
    }
  }

  showTooltip(event, text) {
    const box = this.root.getBoundingClientRect();
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${event.clientX - box.left + 12}px`;
    this.tooltip.style.top = `${event.clientY - box.top + 12}px`;
  }

  hideTooltip() {
    this.tooltip.hidden = true;
  }

  // ---------------------------------------------------------------- state and messages
  query() {
    const params = new URLSearchParams(core.applyQuery(this.config, '', PAGE_KEYS).query);
    if (this.page.backend !== 'auto') params.set('backend', this.page.backend);
    return params.toString();
  }

  syncUrl() {
    if (!this.opts.syncUrl) return;
    const params = new URLSearchParams(window.location.search);
    for (const [k, v] of new URLSearchParams(this.query())) params.set(k, v);
    history.replaceState(null, '', `${window.location.pathname}?${params}`);
  }

  syncInputs() {
    for (const [name, input] of Object.entries(this.inputs)) input.value = String(this.config[name]);
  }

  showError(text) {
    this.message.textContent = text;
    this.message.hidden = false;
  }

  clearMessage() {
    this.message.hidden = true;
    this.message.textContent = '';
  }

  onEpoch(callback) {
    this.listeners.push(callback);
    return () => { this.listeners = this.listeners.filter((c) => c !== callback); };
  }

  emit(result) {
    const event = {
      epoch: result.report.epoch,
      loss: result.report.loss,
      lr: result.report.lr,
      gradNorm: result.report.grad_norm,
      ms: result.report.ms,
      backend: this.backendName,
      predictions: result.predictions,
      gates: result.trace,
      sample: this.sample,
    };
    for (const listener of this.listeners) {
      try { listener(event); } catch (e) { console.warn('onEpoch listener failed', e); }
    }
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pause();
    this.generation++;
    this.worker.terminate();
    for (const undo of this.cleanup) undo();
    for (const { reject } of this.requests.values()) reject(new Error('lab destroyed'));
    this.requests.clear();
    this.root.replaceChildren();
    this.root.classList.remove('gru-lab', 'embed');
  }
}

/** The public handle returned by `mount`. */
function handle(lab) {
  return {
    step: () => lab.step(),
    play: () => lab.play(),
    pause: () => lab.pause(),
    reset: () => lab.reset(),
    setLearningRate: (lr) => lab.setLearningRate(lr),
    /** The run as GRU Lab weights-file text (also offered as a download). */
    saveWeights: () => lab.saveWeights(),
    savePth: () => lab.savePth(),
    /** Starts over from weights-file text; resolves false (with a message shown) for a bad file. */
    loadWeights: (file) => lab.loadWeights(file),
    onEpoch: (cb) => lab.onEpoch(cb),
    destroy: () => lab.destroy(),
    get epoch() { return lab.losses.length; },
    /** The training loss of every epoch so far. */
    get losses() { return [...lab.losses]; },
    /** Epochs the worker's trainer has run (equals `epoch` whenever the lab is idle). */
    get trainedEpochs() { return lab.snapshot ? lab.snapshot.epoch : 0; },
    /** Bytes of the training worker's wasm memory. */
    workerMemory: () => lab.request('memory'),
    get config() { return { ...lab.config }; },
    get backend() { return lab.backendName; },
  };
}

/**
 * Mounts a lab in `element`. With `options.query` (a URL query string) bad values are shown in the
 * lab's message area and the defaults are used; with plain options a bad value rejects the promise
 * with an Error naming the option and the allowed values.
 */
export async function mount(element, options = {}) {
  if (!(element instanceof Element)) throw new Error('mount: element must be a DOM Element');
  await wasmReady;
  const { query, ids = false, syncUrl = false, keyboard = false, ...rest } = options;
  const strict = query === undefined;
  const text = strict ? optionsToQuery(rest) : query;
  const errors = [];
  const page = pageOptions(text, errors);
  const validated = core.applyQuery(undefined, text, PAGE_KEYS);
  errors.push(...validated.errors.map((e) => e.message));
  if (strict && errors.length) throw new Error(errors.join('\n'));
  const lab = new GruLab(element, validated.config, page, { ids, syncUrl, keyboard });
  if (errors.length) lab.showError(`${errors.join('\n')}\nUsing the default for each of these.`);
  await lab.start();
  lab.syncUrl();
  return handle(lab);
}
