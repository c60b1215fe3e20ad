// One lab on the page: the view of one run. It owns the controls, the status line and the panels, keeps
// the run's reports in a Store, and draws at most once per animation frame (30 a second while
// playing), only what changed. While playing, the run trains ahead on its own; the view asks for the
// heavy snapshot (predictions, gates) of the newest epoch when the previous one has been drawn, spaced
// so that it costs training at most a tenth of its time. Step trains one epoch and draws it before it
// resolves.
import { core } from './core.js';
import { el, download } from './dom.js';
import { Run } from './run.js';
import { Store } from './store.js';
import { mountControls } from './controls.js';
import { mountSeriesBox } from './series.js';
import { mountStatus } from './status.js';
import { PANEL_MODULES } from './panels/index.js';
import { ALL_CHANGES } from './changes.js';
import { PAGE_KEYS } from './options.js';

/** While playing, the next snapshot is asked for no sooner than this many times the last snapshot's
 * cost (its evaluation in the worker and its drawing here) after it arrived: snapshots then take at
 * most ~1/10 of the time, and training keeps the rest. */
const SNAPSHOT_SPACING = 10;
/** While playing, the lab draws at most every this many ms (30 frames a second): every frame it
 * skips leaves the CPU (and the compositor's) to training. */
const PLAY_FRAME_MS = 1000 / 30 - 2;
/** Draw measures kept for the bench (a Play of the tutorial's 100 epochs draws ~100 frames). */
const MEASURES_KEPT = 250;
/** Main-thread milliseconds a frame may spend drawing before the remaining panels wait a frame. */
const FRAME_BUDGET_MS = 4;

export class LabView {
  constructor(root, config, page, opts) {
    this.root = root;
    this.config = config;
    this.page = page;
    this.opts = opts;
    this.sample = page.sample;
    this.playing = false;
    this.busy = false;
    this.destroyed = false;
    this.crashed = false;
    /** Bumped by every restart: answers that belong to an older run are dropped. */
    this.generation = 0;
    this.created = false;
    this.epochListeners = [];
    this.reportListeners = [];
    this.playWaiters = [];
    this.store = new Store();
    /** The learning rate the next epoch uses (the status line shows it). */
    this.lr = config.lr;
    this.frame = 0;
    this.renderedAt = 0;
    this.measures = 0;
    this.snapshotInFlight = false;
    this.nextSnapshotAt = 0;
    /** Main-thread ms the snapshot panels took to draw the last snapshot. */
    this.snapshotDrawMs = 0;
    /** The epoch of the oldest snapshot on screen (each snapshot panel knows its own). */
    this.drawnEpoch = 0;
    this.dark = window.matchMedia('(prefers-color-scheme: dark)');
    this.cleanup = [];
    this.run = new Run({
      onReport: (msg) => this.received(msg),
      onStopped: (msg) => this.stopped(msg),
      onFailure: (message) => this.fail({ kind: 'error', message }),
    });
    this.build();
  }

  // ---------------------------------------------------------------- building
  build() {
    const id = (name) => (this.opts.ids ? name : null);
    const on = (target, type, fn, options) => this.on(target, type, fn, options);
    this.root.classList.add('gru-lab');
    this.root.classList.toggle('embed', this.page.embed);
    this.root.replaceChildren();
    this.status = mountStatus({ id, embed: this.page.embed });
    this.controls = mountControls({ id, on, shown: this.page.controls, keyboard: this.opts.keyboard }, {
      step: () => this.step(),
      togglePlay: () => (this.playing ? this.pause() : this.play()),
      reset: () => this.reset(),
      save: () => this.saveWeights(),
      savePth: () => this.savePth(),
      load: (file) => this.loadWeights(file),
      change: (name, value) => this.changeField(name, value),
      preset: (query) => this.applyQuery(query),
    });
    // The csv task's data box goes with the task control.
    this.seriesBox = this.page.controls.includes('task')
      ? mountSeriesBox({ id, on }, { use: (text, column) => this.useSeries(text, column) })
      : null;
    if (this.seriesBox) this.controls.element.append(this.seriesBox.element);
    this.tooltip = el('div', { class: 'tooltip', hidden: true, role: 'status' });
    const context = this.panelContext(id, on);
    this.panels = PANEL_MODULES.filter((p) => this.page.panels.includes(p.id)).map((p) => ({ id: p.id, snapshot: Boolean(p.snapshot), drawnEpoch: 0, changed: new Set(ALL_CHANGES), ...p.mount(context) }));
    const panels = el('div', { class: 'panels' }, this.panels.map((p) => p.section));
    if (this.status.fullLink) this.controls.element.append(this.status.fullLink);
    this.root.append(this.status.message, this.controls.element, this.status.line, this.status.live, panels, this.tooltip);

    this.resizer = new ResizeObserver(() => this.fitCanvases());
    for (const canvas of this.canvases()) this.resizer.observe(canvas.parentElement);
    this.cleanup.push(() => this.resizer.disconnect());
    this.on(this.dark, 'change', () => this.invalidate('theme'));
  }

  /** What a panel may use of the lab (panels/index.js). */
  panelContext(id, on) {
    /** A panel's frame: its title over `content`; the class is `panel <className>`. */
    const section = (panel, content, className = panel.id) => el('section', { class: `panel ${className}` }, [el('h3', { text: panel.title }), content]);
    return {
      id,
      on,
      /** The ids of the panels this lab shows. */
      panels: this.page.panels,
      section,
      canvasPanel: (panel, alt) => {
        const canvas = el('canvas', { id: id(`${panel.id}-chart`), role: 'img', 'aria-label': alt });
        return { section: section(panel, el('div', { class: 'canvas-box' }, [canvas])), canvas };
      },
      view: () => this.viewState(),
      /** Asks for a frame in which the panels redraw for `kinds` (../changes.js). */
      invalidate: (...kinds) => this.invalidate(...kinds),
      selectSample: (sample) => this.selectSample(sample),
      tooltip: {
        show: (event, text) => {
          const box = this.root.getBoundingClientRect();
          this.tooltip.textContent = text;
          this.tooltip.hidden = false;
          this.tooltip.style.left = `${event.clientX - box.left + 12}px`;
          this.tooltip.style.top = `${event.clientY - box.top + 12}px`;
        },
        hide: () => { this.tooltip.hidden = true; },
      },
      highlight: (gate) => {
        for (const node of this.root.querySelectorAll('[data-gate]')) {
          node.classList.toggle('highlight', node.getAttribute('data-gate') === gate);
        }
      },
    };
  }

  on(target, type, fn, options) {
    target.addEventListener(type, fn, options);
    this.cleanup.push(() => target.removeEventListener(type, fn, options));
  }

  canvases() {
    return this.panels.filter((p) => p.canvas).map((p) => p.canvas);
  }

  fitCanvases() {
    const dpr = window.devicePixelRatio || 1;
    let resized = false;
    for (const canvas of this.canvases()) {
      const box = canvas.parentElement.getBoundingClientRect();
      const w = Math.max(1, Math.round(box.width * dpr));
      const h = Math.max(1, Math.round(box.height * dpr));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
        resized = true;
      }
    }
    if (resized) this.invalidate('size');
  }

  // ---------------------------------------------------------------- drawing
  viewState() {
    return {
      config: this.config,
      series: this.series,
      store: this.store,
      snapshot: this.store.snapshot,
      sample: this.sample,
      playing: this.playing,
      dark: this.dark.matches,
      dpr: window.devicePixelRatio || 1,
    };
  }

  /** Marks what changed for every panel and asks for one animation frame (one at most, however many
   * calls). */
  invalidate(...kinds) {
    for (const panel of this.panels) for (const kind of kinds) panel.changed.add(kind);
    if (!this.frame && !this.destroyed) this.frame = requestAnimationFrame(() => this.render());
  }

  /** Draws what changed, panel by panel; a panel left over when the frame's budget is spent draws in
   * the next frame (the main thread stays free for input). Step calls it with `all` so that every
   * stepped epoch is drawn before `step()` resolves. */
  render({ all = false } = {}) {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.destroyed || !this.series) return;
    const started = performance.now();
    const lastEpoch = this.store.epoch >= this.config.epochs;
    if (this.playing && !all && !lastEpoch && started - this.renderedAt < PLAY_FRAME_MS) {
      this.frame = requestAnimationFrame(() => this.render());
      return;
    }
    this.renderedAt = started;
    const latest = this.store.latest();
    this.status.setProgress(latest, this.lr);
    this.status.announce(latest, this.playing, this.config.epochs);
    const view = this.viewState();
    const drawn = [];
    let snapshotDrawMs = 0;
    for (const panel of this.panels) {
      if (!panel.changed.size) continue;
      const before = performance.now();
      if (!all && drawn.length && before - started > FRAME_BUDGET_MS) {
        this.invalidate();
        break;
      }
      const changed = panel.changed;
      panel.changed = new Set();
      try {
        if (panel.draw(view, changed)) drawn.push(panel.id);
      } catch (e) {
        this.status.showError(`drawing failed: ${e.message}`);
      }
      if (panel.snapshot) {
        panel.drawnEpoch = view.snapshot ? view.snapshot.epoch : 0;
        snapshotDrawMs += performance.now() - before;
      }
    }
    if (snapshotDrawMs > 0) this.snapshotDrawMs = snapshotDrawMs;
    const shown = this.panels.filter((p) => p.snapshot).map((p) => p.drawnEpoch);
    this.drawnEpoch = shown.length ? Math.min(...shown) : this.store.epoch;
    if (drawn.length) {
      // For `make bench`: the main-thread time of each frame that drew, and what it drew. The browser
      // keeps every measure until it is cleared, so only the last MEASURES_KEPT are (a long run's
      // memory stays flat).
      if (++this.measures > MEASURES_KEPT) {
        performance.clearMeasures('gru-lab:draw');
        this.measures = 1;
      }
      performance.measure('gru-lab:draw', { start: started, detail: { drawn, epoch: this.store.epoch, drawnEpoch: this.drawnEpoch } });
    }
    this.requestSnapshot();
  }

  /** Asks the run for a snapshot when the one on screen is older than the newest epoch, or of another
   * window; one at a time, and spaced while playing. */
  requestSnapshot() {
    if (this.snapshotInFlight || !this.created || this.busy || this.destroyed) return;
    const snap = this.store.snapshot;
    const stale = !snap || snap.epoch < this.store.epoch || snap.sample !== this.sample;
    if (!stale) return;
    if (this.playing && this.epochListeners.length) return; // every report brings its own snapshot
    if (this.playing && performance.now() < this.nextSnapshotAt) return; // the next report asks again
    const generation = this.generation;
    const sample = this.sample;
    this.snapshotInFlight = true;
    this.run.snapshot(sample).then((next) => {
      this.snapshotInFlight = false;
      if (this.destroyed) return;
      // An answer for an older run: drop it, and ask again for the run now on screen.
      if (generation !== this.generation) return this.invalidate();
      this.nextSnapshotAt = performance.now() + SNAPSHOT_SPACING * (next.ms + this.snapshotDrawMs);
      this.store.setSnapshot(next, sample);
      this.invalidate('snapshot');
    }, (e) => {
      this.snapshotInFlight = false;
      if (this.destroyed) return;
      if (generation === this.generation) this.fail(e);
      else this.invalidate();
    });
  }

  // ---------------------------------------------------------------- the run's messages
  /** One epoch of Play arrived. */
  received({ report, backend, snapshot }) {
    if (backend) this.switchedBackend(backend);
    this.store.push(report);
    this.lr = report.lr;
    if (snapshot) this.store.setSnapshot(snapshot, this.sample);
    this.emit(report, snapshot);
    this.invalidate('reports', ...(snapshot ? ['snapshot'] : []));
  }

  /** Play ended on its own: all epochs done, or an error. */
  stopped({ error }) {
    this.setPlaying(false);
    if (error) this.fail(error);
    this.invalidate();
  }

  /** A typed error from the run (run.js, RunError) as the learner reads it. */
  fail(e) {
    this.setPlaying(false);
    if (e.kind === 'diverged') {
      this.status.showError(`${e.message}. The weights and history from before that epoch are kept: lower the learning rate and press Step to go on, or Reset.`);
    } else if (e.kind === 'crash') {
      this.crashed = true;
      this.status.showError(`The training worker crashed (${e.message}). Press Reset to start a new one; your settings are kept in the URL.`);
    } else {
      this.status.showError(e.message);
    }
  }

  /** WebGPU failed mid-run and the worker went on on ndarray from the last finished epoch: say so (the
   * store drops any epoch after that one when the retrained epoch arrives). */
  switchedBackend(name) {
    this.backendName = name;
    this.status.setBackend(name, true);
    this.status.showError(`WebGPU stopped working, so training moved to the CPU: ${name}.`);
  }

  emit(report, snapshot) {
    const event = { epoch: report.epoch, loss: report.loss, valLoss: report.val_loss ?? null, lr: report.lr, gradNorm: report.grad_norm, ms: report.ms, backend: this.backendName, gradientFlow: report.gradient_flow };
    for (const listener of this.reportListeners) {
      try { listener({ ...event }); } catch (e) { console.warn('onReport listener failed', e); }
    }
    if (!this.epochListeners.length) return;
    const full = { ...event, predictions: snapshot && snapshot.predictions, gates: snapshot && snapshot.trace, sample: this.sample };
    for (const listener of this.epochListeners) {
      try { listener(full); } catch (e) { console.warn('onEpoch listener failed', e); }
    }
  }

  // ---------------------------------------------------------------- run control
  async start() {
    this.controls.syncInputs(this.config);
    this.fitCanvases();
    await this.restart();
  }

  /** Starts a fresh run of the current config (or keeps the just-loaded one); answers of older runs
   * are dropped. */
  async restart({ loaded = false } = {}) {
    const generation = ++this.generation;
    this.setPlaying(false);
    this.created = false;
    this.store = new Store();
    this.lr = this.config.lr;
    this.series = core.dataset(this.config);
    this.sample = Math.min(this.sample, this.series.samples - 1);
    if (this.seriesBox) this.seriesBox.sync(this.config, this.series);
    const validated = core.applyQuery(this.config, '', PAGE_KEYS);
    this.status.setConfig({
      epochs: this.config.epochs,
      parameters: validated.parameters,
      fullHref: `${new URL('../../index.html', import.meta.url).pathname}?${this.query()}`,
    });
    this.invalidate(...ALL_CHANGES);
    if (!loaded) {
      this.startup = this.run.create(this.config, this.page.backend);
      const created = await this.startup;
      if (generation !== this.generation) return;
      this.backendName = created.backend;
      this.status.setBackend(created.backend, false);
    }
    this.created = true;
    this.invalidate();
  }

  async step() {
    if (this.busy || this.destroyed) return false;
    this.busy = true;
    const generation = this.generation;
    try {
      if (this.playing) await this.pause();
      if (this.store.epoch >= this.config.epochs) {
        this.status.showError(`all ${this.config.epochs} epochs done: raise epochs or press Reset`);
        return false;
      }
      await this.startup;
      if (generation !== this.generation) return false;
      const result = await this.run.step(this.sample);
      if (generation !== this.generation) return false;
      if (result.backend) this.switchedBackend(result.backend);
      this.store.push(result.report);
      this.lr = result.report.lr;
      this.store.setSnapshot(result.snapshot, this.sample);
      this.emit(result.report, result.snapshot);
      this.invalidate('reports', 'snapshot');
      this.render({ all: true });
      return true;
    } catch (e) {
      if (generation === this.generation) this.fail(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Trains until paused or until `epochs`; resolves when Play stops. */
  async play() {
    if (this.playing || this.destroyed) return;
    if (this.store.epoch >= this.config.epochs) {
      this.status.showError(`all ${this.config.epochs} epochs done: raise epochs or press Reset`);
      return;
    }
    const generation = this.generation;
    const ended = new Promise((resolve) => this.playWaiters.push(resolve));
    this.setPlaying(true);
    try {
      await this.startup;
    } catch {
      this.setPlaying(false);
    }
    if (generation === this.generation && this.playing) this.run.play(this.playOptions());
    return ended;
  }

  playOptions() {
    return { until: this.config.epochs, sample: this.sample, every: this.epochListeners.length > 0 };
  }

  /** Stops at the next epoch boundary; resolves once the worker has stopped. */
  async pause() {
    if (!this.playing) return;
    this.setPlaying(false);
    const generation = this.generation;
    try {
      await this.run.pause();
    } catch {
      // a worker that is gone has stopped too
    }
    if (generation === this.generation) this.invalidate();
  }

  setPlaying(playing) {
    this.playing = playing;
    this.controls.setPlaying(playing);
    if (!playing) {
      for (const resolve of this.playWaiters.splice(0)) resolve();
    }
  }

  async reset() {
    this.status.clearMessage();
    if (this.crashed) {
      this.crashed = false;
      this.run.startWorker();
    }
    await this.restart();
  }

  async setLearningRate(lr) {
    const result = core.applyQuery(this.config, `lr=${encodeURIComponent(lr)}`, PAGE_KEYS);
    if (result.errors.length) throw new Error(result.errors[0].message);
    this.config = result.config;
    this.controls.syncInputs(this.config);
    this.syncUrl();
    await this.startup;
    await this.run.setLearningRate(this.config.lr);
    this.lr = this.config.lr;
    this.invalidate();
  }

  /** A control changed: validate it through the one validation layer; restart on a valid change. */
  async changeField(name, value) {
    if (name === 'lr') {
      try {
        this.status.clearMessage();
        await this.setLearningRate(value);
      } catch (e) {
        this.status.showError(e.message);
        this.controls.syncInputs(this.config);
      }
      return;
    }
    if (name === 'task' && this.seriesBox) {
      // The csv task needs its data first: the box opens and the run goes on until it is taken.
      if (value === 'csv' && !this.config.series) {
        this.status.clearMessage();
        this.seriesBox.open();
        return;
      }
      if (value !== 'csv') this.seriesBox.close();
    }
    await this.applyQuery(`${name}=${encodeURIComponent(value)}`);
  }

  /** Trains on the learner's own series (`text`: CSV or pasted values; `column`: a header name or a
   * number, empty for the first numeric column). Resolves null when taken, or the refusal's message
   * (line, column, problem), shown, with the run unchanged. */
  async useSeries(text, column = '') {
    let result;
    try {
      if (typeof text !== 'string') throw new Error(`useSeries takes the text of a CSV file or of pasted values, not ${typeof text}`);
      result = core.useSeries(this.config, text, String(column ?? ''));
    } catch (e) {
      // Without the data box (an embed without the task control) the message goes to the status area.
      if (this.seriesBox) this.seriesBox.refused(e.message);
      else this.status.showError(`series refused: ${e.message}. The current run is unchanged.`);
      return e.message;
    }
    this.status.clearMessage();
    this.config = result.config;
    this.controls.syncInputs(this.config);
    this.syncUrl();
    await this.restart();
    return null;
  }

  /** Applies `query` (`a=1&b=2`) to the config through the one validation layer; a valid change
   * restarts the run, a bad one is refused with its message and the run goes on. */
  async applyQuery(query) {
    const result = core.applyQuery(this.config, query, PAGE_KEYS);
    if (result.errors.length) {
      this.status.showError(result.errors.map((e) => e.message).join('\n'));
      this.controls.syncInputs(this.config);
      return;
    }
    this.status.clearMessage();
    this.config = result.config;
    this.controls.syncInputs(this.config);
    this.syncUrl();
    await this.restart();
  }

  selectSample(sample) {
    this.sample = sample;
    if (this.playing && this.epochListeners.length) this.run.play(this.playOptions());
    this.invalidate('sample');
  }

  // ---------------------------------------------------------------- files
  /** Downloads the current weights as a GRU Lab weights file; returns its text. */
  async saveWeights() {
    try {
      await this.startup;
      const text = await this.run.save();
      download(new Blob([text], { type: 'application/json' }), 'gru-lab-weights.json');
      return text;
    } catch (e) {
      this.status.showError(`saving failed: ${e.message}`);
      return null;
    }
  }

  /** Downloads the current weights as a PyTorch .pth state_dict; returns its bytes. */
  async savePth() {
    try {
      await this.startup;
      const bytes = await this.run.savePth();
      download(new Blob([bytes], { type: 'application/octet-stream' }), `gru-lab-${this.config.cell}.pth`);
      return bytes;
    } catch (e) {
      this.status.showError(`saving failed: ${e.message}`);
      return null;
    }
  }

  /** Starts over from a weights file (GRU Lab JSON text, or a PyTorch .pth as an ArrayBuffer or typed
   * array); a bad file is refused with its reason and the run goes on. */
  async loadWeights(file) {
    if (this.busy) {
      this.status.showError('wait for the running epoch to finish, then load the file again');
      return false;
    }
    await this.pause();
    try {
      await this.startup;
      const bytes = ArrayBuffer.isView(file) ? file.slice().buffer : file instanceof ArrayBuffer ? file.slice(0) : null;
      if (typeof file !== 'string' && !bytes) {
        throw new Error(`loadWeights takes the text of a GRU Lab weights file or the bytes of a .pth file, not ${typeof file}`);
      }
      const config = await this.run.load(bytes || file);
      this.status.clearMessage();
      this.config = config;
      this.controls.syncInputs(this.config);
      this.syncUrl();
      await this.restart({ loaded: true });
      return true;
    } catch (e) {
      this.status.showError(`weights file refused: ${e.message}. The current run is unchanged.`);
      return false;
    }
  }

  // ---------------------------------------------------------------- the page around the lab
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

  /** Subscribes `listener` to every epoch with every field (predictions and gates included): while
   * anyone listens, Play evaluates a snapshot after every epoch. */
  onEpoch(listener) {
    return this.subscribe(this.epochListeners, listener);
  }

  /** Subscribes `listener` to every epoch's report only (no snapshot): costs Play nothing. */
  onReport(listener) {
    return this.subscribe(this.reportListeners, listener);
  }

  subscribe(list, listener) {
    list.push(listener);
    if (this.playing) this.run.play(this.playOptions());
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
      if (this.playing) this.run.play(this.playOptions());
    };
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.generation++;
    this.setPlaying(false);
    if (this.frame) cancelAnimationFrame(this.frame);
    this.run.terminate();
    for (const undo of this.cleanup) undo();
    this.root.replaceChildren();
    this.root.classList.remove('gru-lab', 'embed');
  }
}
