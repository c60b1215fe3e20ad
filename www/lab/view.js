// One lab on the page: the view of its runs (lane.js: one run, or up to four in compare mode). It owns
// the controls, the status line and the panels, and draws at most once per animation frame (30 a second
// while playing), only what changed. While playing, the run trains ahead on its own; the view asks for the
// heavy snapshot (predictions, gates) of the newest epoch when the previous one has been drawn, spaced
// so that it costs training at most a tenth of its time. Step trains one epoch and draws it before it
// resolves.
import { core } from './core.js';
import { el, download } from './dom.js';
import { Lane } from './lane.js';
import { mountControls } from './controls.js';
import { mountSeriesBox } from './series.js';
import { mountStatus } from './status.js';
import { mountScrubber } from './scrubber.js';
import * as exports from './exports.js';
import { PANEL_MODULES } from './panels/index.js';
import { mountDeepDive, DIVES, DEFAULT_DIVE } from './deep-dive.js';
import { mountDataTable } from './data-table.js';
import { ALL_CHANGES } from './changes.js';
import { PAGE_KEYS } from './options.js';

/** While playing, the lab draws at most every this many ms (30 frames a second): every frame it
 * skips leaves the CPU (and the compositor's) to training. */
const PLAY_FRAME_MS = 1000 / 30 - 2;
/** Draw measures kept for the bench (a Play of the tutorial's 100 epochs draws ~100 frames). */
const MEASURES_KEPT = 250;
/** Main-thread milliseconds a frame may spend drawing before the remaining panels wait a frame. */
const FRAME_BUDGET_MS = 4;

/** A query string with the compare list left readable (`compare=rnn,lstm:hidden=16`): its commas,
 * colons and equals signs are safe in a query value. */
function readableCompare(params) {
  return params.toString().replace(/(^|&)compare=([^&]*)/, (_, lead, value) => `${lead}compare=${value.replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%3D/gi, '=')}`);
}

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
    /** Bumped by every restart: answers that belong to an older run are dropped. */
    this.generation = 0;
    this.epochListeners = [];
    this.reportListeners = [];
    this.playWaiters = [];
    /** The runs: one, or those of a comparison (page.compare); `chosen` is the one whose gates,
     * gradients and status line are shown. */
    this.lanes = [];
    this.chosen = 0;
    this.frame = 0;
    this.renderedAt = 0;
    this.measures = 0;
    /** Main-thread ms the snapshot panels took to draw the last snapshot. */
    this.snapshotDrawMs = 0;
    /** The epoch of the oldest snapshot on screen (each snapshot panel knows its own). */
    this.drawnEpoch = 0;
    /** The epoch the scrubber shows (null: the newest), and the snapshots of it asked for. */
    this.scrubEpoch = null;
    this.scrubWanted = null;
    this.scrubInFlight = false;
    /** A faint loss curve behind the run's ({name, losses}): the previous run's after a Reset or a
     * change, or the epochs a "continue from here" abandoned; null once dismissed. */
    this.ghost = null;
    this.dark = window.matchMedia('(prefers-color-scheme: dark)');
    this.cleanup = [];
    this.build();
  }

  /** The chosen run (the lone one outside compare mode). */
  get lane() {
    return this.lanes[this.chosen];
  }

  get run() {
    return this.lane.run;
  }

  get store() {
    return this.lane.store;
  }

  /** Whether the lab compares several runs. */
  get comparing() {
    return this.lanes.length > 1;
  }

  /** Makes `count` lanes, reusing the workers it has. */
  ensureLanes(count) {
    while (this.lanes.length > count) this.lanes.pop().run.terminate();
    while (this.lanes.length < count) {
      this.lanes.push(new Lane(this.lanes.length, {
        onReport: (lane, msg) => this.received(lane, msg),
        onStopped: (lane, msg) => this.stopped(lane, msg),
        onFailure: (lane, message) => this.fail(lane, { kind: 'error', message }),
        onBackend: (lane, msg) => this.chosenBackend(lane, msg),
      }));
    }
    this.chosen = Math.min(this.chosen, count - 1);
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
      exportFile: (kind) => this.exportFile(kind),
      load: (file) => this.loadWeights(file),
      change: (name, value) => this.changeField(name, value),
      preset: (query) => this.applyQuery(query),
      compare: (text) => this.setCompare(text),
    });
    // The csv task's data box goes with the task control.
    this.seriesBox = this.page.controls.includes('task')
      ? mountSeriesBox({ id, on }, { use: (text, column) => this.useSeries(text, column) })
      : null;
    if (this.seriesBox) this.controls.element.append(this.seriesBox.element);
    this.tooltip = el('div', { class: 'tooltip', hidden: true, role: 'status' });
    const context = this.panelContext(id, on);
    this.panels = PANEL_MODULES.filter((p) => this.page.panels.includes(p.id)).map((p) => ({ id: p.id, title: p.title, snapshot: Boolean(p.snapshot), available: p.available, offDive: false, drawnEpoch: 0, changed: new Set(ALL_CHANGES), ...p.mount(context) }));
    // A chart's numbers as a table on demand (data-table.js; not in an embed, whose panels stay as
    // they are: the status line's live region speaks there).
    this.tables = new Map(this.page.embed ? [] : this.panels.filter((p) => p.table).map((p) => [p.id, mountDataTable({ id, on }, p.id, p.section, p.title, p.table)]));
    this.deepDive = mountDeepDive({ id, on, keyboard: this.opts.keyboard }, this.panels, this.page.dive, (dive) => {
      this.page.dive = dive;
      this.syncUrl();
      this.invalidate();
    });
    this.page.dive = this.deepDive.dive;
    const sections = this.panels.map((p) => p.section);
    if (this.deepDive.element) {
      // The tabs sit under the main view's panels, over the group they choose.
      const first = this.panels.findIndex((p) => DIVES.some((d) => d.panels.includes(p.id)));
      sections.splice(first, 0, this.deepDive.element);
    }
    const panels = el('div', { class: 'panels' }, sections);
    if (this.status.fullLink) this.controls.element.append(this.status.fullLink);
    this.scrubber = this.page.controls.includes('history')
      ? mountScrubber({ id, on }, { scrub: (epoch) => this.scrubTo(epoch), live: () => this.scrubTo(null), continueFrom: (epoch) => this.continueFrom(epoch) })
      : null;
    this.root.append(this.status.message, this.controls.element, this.status.line, ...(this.scrubber ? [this.scrubber.element] : []), this.status.live, panels, this.tooltip);

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
        const box = section(panel, el('div', { class: 'canvas-box' }, [canvas]));
        // Every chart downloads as a PNG at the screen's resolution (not in an embed: no file buttons).
        if (!this.page.embed) {
          const png = el('button', { type: 'button', class: 'png-button secondary', id: id(`${panel.id}-png`), text: 'PNG', title: `download this chart as a PNG (${alt})` });
          on(png, 'click', () => exports.chartPng(canvas, panel.id).catch((e) => this.status.showError(`export failed: ${e.message}`)));
          box.querySelector('h3').append(png);
        }
        return { section: box, canvas };
      },
      view: () => this.viewState(),
      /** Compare mode: shows run `index`'s gates, gradients and status. */
      chooseRun: (index) => this.chooseRun(index),
      /** The shown run's model fed its own outputs (run.js, forecast), at the epoch the scrubber
       * shows; rejects for a memory task. */
      forecast: (start, horizon) => this.lane.run.forecast(start, horizon, this.scrubEpoch),
      /** Hides the ghost curve of the loss chart. */
      dismissGhost: () => this.dismissGhost(),
      /** Asks for a frame in which the panels redraw for `kinds` (../changes.js). */
      invalidate: (...kinds) => this.invalidate(...kinds),
      selectSample: (sample) => this.selectSample(sample),
      tooltip: {
        show: (event, text) => {
          const box = this.root.getBoundingClientRect();
          this.tooltip.textContent = text;
          this.tooltip.hidden = false;
          // Beside the pointer, but kept inside the lab (a phone's narrow screen, a long equation).
          const width = this.tooltip.offsetWidth;
          const left = Math.min(event.clientX - box.left + 12, box.width - width - 8);
          this.tooltip.style.left = `${Math.max(8, left)}px`;
          this.tooltip.style.top = `${event.clientY - box.top + 12}px`;
        },
        hide: () => { this.tooltip.hidden = true; },
      },
      /** The heatmap cell the learner points at, {layer, step, unit} (0-based), or null; it stays
       * when the pointer leaves, and the live equations follow it through every new epoch. */
      point: (at) => {
        this.pointed = at;
        this.invalidate('unit');
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
    // Scrubbed back, every run is seen as it was at the end of that epoch (lane.js, shown).
    const runs = this.lanes.map((l) => l.shown(this.scrubEpoch));
    const lane = runs[this.chosen];
    return {
      config: lane.config,
      series: lane.series,
      store: lane.store,
      snapshot: lane.store.snapshot,
      /** Every run (one outside compare mode): {index, label, config, parameters, series, store, error, row()}. */
      runs,
      chosen: this.chosen,
      /** The epoch the scrubber shows, or null for the newest. */
      scrubEpoch: this.scrubEpoch,
      /** The loss chart's faint curve ({name, losses}) or null: scrubbed back, the shown run's later epochs. */
      ghost: this.scrubEpoch !== null && this.scrubEpoch < this.store.epoch
        ? { name: 'later epochs', losses: this.store.losses.values(), dismissable: false }
        : this.ghost && { ...this.ghost, dismissable: true },
      sample: this.sample,
      /** The heatmap cell pointed at ({layer, step, unit}) or null (panelContext's point). */
      pointed: this.pointed ?? null,
      playing: this.playing,
      dark: this.dark.matches,
      dpr: window.devicePixelRatio || 1,
    };
  }

  /** True when every panel on screen has drawn what changed and no frame is pending. */
  get settled() {
    return !this.frame && this.panels.every((p) => p.offDive || !p.changed.size);
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
    if (this.destroyed || !this.lanes.length || !this.lane.series) return;
    const started = performance.now();
    const lastEpoch = this.store.epoch >= this.config.epochs;
    if (this.playing && !all && !lastEpoch && started - this.renderedAt < PLAY_FRAME_MS) {
      this.frame = requestAnimationFrame(() => this.render());
      return;
    }
    this.renderedAt = started;
    if (this.scrubber) this.scrubber.sync({ epoch: this.scrubEpoch, newest: this.store.epoch, history: this.lane.history });
    const view = this.viewState();
    this.deepDive.sync(view);
    // The status line follows the epoch shown (the scrubber's, or the newest).
    const latest = view.store.latest();
    this.status.setProgress(latest, latest && this.scrubEpoch !== null ? latest.lr : this.lane.lr);
    this.status.announce(latest, this.playing, this.config.epochs);
    const drawn = [];
    let snapshotDrawMs = 0;
    for (const panel of this.panels) {
      // A panel of another deep dive keeps what changed until it shows.
      if (!panel.changed.size || panel.offDive) continue;
      const before = performance.now();
      if (!all && drawn.length && before - started > FRAME_BUDGET_MS) {
        this.invalidate();
        break;
      }
      const changed = panel.changed;
      panel.changed = new Set();
      try {
        const drew = panel.draw(view, changed);
        if (drew) drawn.push(panel.id);
        this.tables.get(panel.id)?.refresh(view, drew);
      } catch (e) {
        this.status.showError(`drawing failed: ${e.message}`);
      }
      if (panel.snapshot) {
        panel.drawnEpoch = view.snapshot ? view.snapshot.epoch : 0;
        snapshotDrawMs += performance.now() - before;
      }
    }
    if (snapshotDrawMs > 0) this.snapshotDrawMs = snapshotDrawMs;
    const shown = this.panels.filter((p) => p.snapshot && !p.offDive).map((p) => p.drawnEpoch);
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

  /** Asks each run for a snapshot when the one on screen is older than its newest epoch, or of another
   * window; one at a time per run, and spaced while playing. */
  requestSnapshot() {
    // Scrubbed back, the panels show the past epoch's snapshot (scrubTo asks for it).
    if (this.busy || this.destroyed || this.scrubEpoch !== null) return;
    // While playing with an onEpoch listener, every report brings its own snapshot.
    if (this.playing && this.epochListeners.length) return;
    const generation = this.generation;
    for (const lane of this.lanes) {
      lane.refresh(this.sample, { playing: this.playing, drawMs: this.snapshotDrawMs }).then((arrived) => {
        if (this.destroyed) return;
        // An answer for an older run was dropped: ask again for the run now on screen.
        if (arrived || generation !== this.generation) this.invalidate(...(arrived ? ['snapshot'] : []));
      }, (e) => {
        if (!this.destroyed && generation === this.generation) this.fail(lane, e);
      });
    }
  }

  // ---------------------------------------------------------------- the run's messages
  /** One epoch of Play arrived from `lane`. */
  received(lane, { report, backend, snapshot, history, workers }) {
    if (backend) this.switchedBackend(lane, backend);
    lane.workers = workers;
    if (lane === this.lane) this.status.setWorkers(workers);
    lane.push(report, snapshot, this.sample, history);
    this.emit(lane, report, snapshot);
    this.invalidate('reports', ...(snapshot ? ['snapshot'] : []));
  }

  /** `lane`'s Play ended on its own: all epochs done, or an error. Play ends when every run has. */
  stopped(lane, { error }) {
    lane.playing = false;
    if (error) this.fail(lane, error);
    if (!this.lanes.some((l) => l.playing)) this.setPlaying(false);
    this.invalidate();
  }

  /** A typed error from `lane`'s run (run.js, RunError) as the learner reads it. In compare mode the
   * run stops alone: the others go on, and its row in the table says why. */
  fail(lane, e) {
    lane.playing = false;
    lane.error = e;
    if (e.kind === 'crash') lane.crashed = true;
    if (this.comparing) {
      this.status.showError(`${lane.label}: ${e.kind === 'diverged' ? `${e.message}. This run stopped; the others go on (lower its lr and press Reset to run it again).` : e.message}`);
      if (!this.lanes.some((l) => l.playing)) this.setPlaying(false);
      this.invalidate('reports');
      return;
    }
    this.setPlaying(false);
    if (e.kind === 'diverged') {
      this.status.showError(`${e.message}. The weights and history from before that epoch are kept: lower the learning rate and press Step to go on, or Reset.`);
    } else if (e.kind === 'crash') {
      this.status.showError(`The training worker crashed (${e.message}). Press Reset to start a new one; your settings are kept in the URL.`);
    } else {
      this.status.showError(e.message);
    }
  }

  /** WebGPU failed mid-run and the worker went on on ndarray from the last finished epoch: say so (the
   * store drops any epoch after that one when the retrained epoch arrives). */
  switchedBackend(lane, name) {
    lane.backendName = name;
    this.status.setBackend(name, true);
    this.status.showError(`WebGPU stopped working, so training moved to the CPU: ${name}.`);
  }

  /** `auto` chose `lane`'s backend (backend-choice.js): the badge says which and why; `history` when
   * the run moved (its worker keeps its past from here on). */
  chosenBackend(lane, { backend, history }) {
    lane.backendName = backend;
    if (history) lane.history = history;
    if (lane === this.lane) this.status.setBackend(backend, false);
    this.invalidate('reports');
  }

  /** Moves the run to `backend` ('webgpu' or 'ndarray') as it stands: weights, Adam's moments, scheduler,
   * dropout stream. Resolves the badge's new text, or null with the reason shown (the run unchanged). */
  async moveTo(backend) {
    const lane = this.lane;
    try {
      const moved = await lane.run.move(backend);
      this.chosenBackend(lane, moved);
      return moved.backend;
    } catch (e) {
      this.status.showError(`The run stays on ${lane.backendName}: ${e.message}`);
      return null;
    }
  }

  /** Tells the listeners about `lane`'s epoch; in compare mode `run` is the run's index. */
  emit(lane, report, snapshot) {
    const event = { epoch: report.epoch, loss: report.loss, valLoss: report.val_loss ?? null, lr: report.lr, gradNorm: report.grad_norm, ms: report.ms, backend: lane.backendName, gradientFlow: report.gradient_flow };
    if (this.comparing) Object.assign(event, { run: lane.index, label: lane.label });
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

  /** The runs of the current config: those of `page.compare` (bad parts reported), or the one. */
  runSpecs() {
    if (!this.page.compare) return [{ config: this.config, label: '', parameters: core.applyQuery(this.config, '', PAGE_KEYS).parameters }];
    const result = core.compareRuns(this.config, this.page.compare);
    if (result.errors.length) this.status.showError(result.errors.map((e) => e.message).join('\n'));
    this.page.compare = result.text;
    if (!result.runs.length) return this.runSpecs();
    return result.runs;
  }

  /** Starts a fresh run of the current config (every run of a comparison), or keeps the just-loaded
   * one; answers of older runs are dropped. */
  async restart({ loaded = false } = {}) {
    const generation = ++this.generation;
    this.setPlaying(false);
    // The run about to go stays as a ghost in the loss chart, until dismissed.
    const previous = this.lanes.length ? this.lane : null;
    if (previous && previous.store.epoch > 0) {
      this.ghost = { name: `previous run (${previous.label || `${previous.config.cell} ${previous.config.layers}×${previous.config.hidden}`})`, losses: previous.store.lossCurve() };
    }
    this.scrubEpoch = null;
    const specs = loaded ? [{ config: this.config, label: '', parameters: 0 }] : this.runSpecs();
    this.ensureLanes(specs.length);
    const started = specs.map((spec, i) => this.lanes[i].start(spec.config, {
      ...spec,
      // `auto` times WebGPU in a worker of its own per run: compared runs, which share the cores
      // already, stay on the CPU instead (a forced backend still applies).
      backend: specs.length > 1 && this.page.backend === 'auto' ? 'ndarray' : this.page.backend,
      // Compared runs each have a worker already: they share the cores that way.
      workers: specs.length > 1 ? 1 : this.page.workers,
      loaded,
    }));
    this.status.setWorkers(null);
    this.sample = Math.min(this.sample, ...this.lanes.map((l) => l.series.samples - 1));
    if (this.seriesBox) this.seriesBox.sync(this.config, this.lane.series);
    this.controls.setCompare(this.page.compare);
    const validated = core.applyQuery(this.config, '', PAGE_KEYS);
    this.status.setConfig({
      epochs: this.config.epochs,
      parameters: this.comparing ? this.lane.parameters : validated.parameters,
      fullHref: `${new URL('../../index.html', import.meta.url).pathname}?${this.query()}`,
    });
    this.invalidate(...ALL_CHANGES);
    this.startup = Promise.all(started);
    const created = await this.startup;
    if (generation !== this.generation) return;
    this.status.setBackend(created[this.chosen].backend, false);
    this.invalidate();
  }

  /** Compare mode: shows run `index`'s gates, gradients and status line. */
  chooseRun(index) {
    if (index < 0 || index >= this.lanes.length || index === this.chosen) return;
    this.chosen = index;
    this.status.setConfig({ epochs: this.config.epochs, parameters: this.lane.parameters, fullHref: `${new URL('../../index.html', import.meta.url).pathname}?${this.query()}` });
    if (this.lane.backendName) this.status.setBackend(this.lane.backendName, false);
    this.status.setWorkers(this.lane.workers);
    this.invalidate(...ALL_CHANGES);
  }

  /** Compares the runs `text` lists (`rnn,cho,lstm`, or `lstm:hidden=16`; empty: one run again). */
  async setCompare(text) {
    await this.pause();
    this.status.clearMessage();
    this.page.compare = String(text ?? '').trim();
    this.syncUrl();
    await this.restart();
  }

  /** Trains one epoch of every run (together: each in its own worker) and draws it. A run that
   * fails stops alone in compare mode; resolves whether any run trained. */
  async step() {
    if (this.busy || this.destroyed) return false;
    this.busy = true;
    const generation = this.generation;
    try {
      if (this.playing) await this.pause();
      // Scrubbed back: Step trains on from the newest epoch (Continue from here trains from the past).
      if (this.scrubEpoch !== null) this.scrubTo(null);
      if (this.store.epoch >= this.config.epochs) {
        this.status.showError(`all ${this.config.epochs} epochs done: raise epochs or press Reset`);
        return false;
      }
      try {
        await this.startup;
      } catch (e) {
        if (generation === this.generation) this.fail(this.lane, e);
        return false;
      }
      if (generation !== this.generation) return false;
      // In a comparison a run that failed stays stopped until Reset; a lone run may go on.
      const live = this.comparing ? this.lanes.filter((l) => !l.error) : this.lanes;
      const results = await Promise.allSettled(live.map((lane) => lane.step(this.sample)));
      if (generation !== this.generation) return false;
      let trained = false;
      results.forEach((r, i) => {
        const lane = live[i];
        if (r.status === 'rejected') return this.fail(lane, r.reason);
        lane.error = null;
        trained = true;
        if (r.value.backend) this.switchedBackend(lane, r.value.backend);
        if (lane === this.lane) this.status.setWorkers(lane.workers);
        this.emit(lane, r.value.report, r.value.snapshot);
      });
      this.invalidate('reports', 'snapshot');
      this.render({ all: true });
      return trained;
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
    if (this.scrubEpoch !== null) this.scrubTo(null);
    this.setPlaying(true);
    try {
      await this.startup;
    } catch {
      this.setPlaying(false);
    }
    if (generation === this.generation && this.playing) {
      // A run stopped by an error in a comparison stays stopped; every other run plays.
      const live = this.lanes.filter((l) => !(this.comparing && l.error));
      for (const lane of live) {
        lane.playing = true;
        lane.error = null;
        lane.run.play(this.playOptions());
      }
      if (!live.length) this.setPlaying(false);
    }
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
    await Promise.all(this.lanes.map(async (lane) => {
      lane.playing = false;
      try {
        await lane.run.pause();
      } catch {
        // a worker that is gone has stopped too
      }
    }));
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
    for (const lane of this.lanes) {
      if (lane.crashed) {
        lane.crashed = false;
        lane.run.startWorker();
      }
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
    // Every run of a comparison takes the new rate.
    await Promise.all(this.lanes.map(async (lane) => {
      await lane.run.setLearningRate(this.config.lr);
      lane.lr = this.config.lr;
    }));
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
    const compare = new URLSearchParams(query).get('compare');
    if (result.errors.length) {
      this.status.showError(result.errors.map((e) => e.message).join('\n'));
      this.controls.syncInputs(this.config);
      return;
    }
    this.status.clearMessage();
    this.config = result.config;
    if (compare !== null) this.page.compare = compare;
    this.controls.syncInputs(this.config);
    this.syncUrl();
    await this.restart();
  }

  selectSample(sample) {
    this.sample = sample;
    if (this.playing && this.epochListeners.length) this.run.play(this.playOptions());
    if (this.scrubEpoch !== null) this.fetchPast(this.scrubEpoch);
    this.invalidate('sample');
  }

  // ---------------------------------------------------------------- history
  /** Shows every panel as it was at the end of epoch `epoch` (null, or the newest: the run as it is),
   * without training: the runs' workers evaluate that epoch's weights (session.rs, view). Pauses Play. */
  async scrubTo(epoch) {
    const newest = this.store.epoch;
    const target = epoch === null || epoch >= newest ? null : Math.max(0, Math.round(epoch));
    if (target === this.scrubEpoch) return;
    if (this.playing) await this.pause();
    this.scrubEpoch = target;
    if (target === null) {
      this.invalidate(...ALL_CHANGES);
      return;
    }
    this.invalidate('history');
    await this.fetchPast(target);
  }

  /** Asks every run for its snapshot at `epoch`, one request at a time (a dragged slider asks for the
   * newest position when the last answer is in); the panels redraw when it arrives. */
  async fetchPast(epoch) {
    this.scrubWanted = epoch;
    if (this.scrubInFlight) return;
    this.scrubInFlight = true;
    const generation = this.generation;
    try {
      while (this.scrubWanted !== null && generation === this.generation) {
        const wanted = this.scrubWanted;
        this.scrubWanted = null;
        await this.startup;
        const results = await Promise.allSettled(this.lanes.filter((l) => !l.crashed).map((lane) => lane.viewPast(wanted, this.sample)));
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) this.status.showError(`epoch ${wanted} cannot be shown: ${failed.reason.message}`);
        if (generation === this.generation && this.scrubEpoch === wanted) this.invalidate('reports', 'snapshot', 'history');
      }
    } finally {
      this.scrubInFlight = false;
    }
  }

  /** "Continue from here": every run goes back to the end of epoch `epoch` (weights, Adam's moments,
   * scheduler, dropout stream) and trains on from there; the epochs it leaves stay as a faint ghost. */
  async continueFrom(epoch) {
    if (this.busy || this.destroyed) return false;
    this.busy = true;
    try {
      if (this.playing) await this.pause();
      const target = Math.max(0, Math.min(Math.round(epoch), this.store.epoch));
      if (target === this.store.epoch) {
        this.scrubEpoch = null;
        return true;
      }
      await this.startup;
      // A crashed run has no worker to go back with: it keeps its curve until Reset.
      const abandoned = await Promise.all(this.lanes.map((lane) => (lane.crashed ? lane.store.lossCurve() : lane.continueFrom(target))));
      this.ghost = { name: `abandoned epochs ${target + 1}–${abandoned[this.chosen].length}`, losses: abandoned[this.chosen] };
      this.scrubEpoch = null;
      this.status.clearMessage();
      this.invalidate(...ALL_CHANGES);
      return true;
    } catch (e) {
      this.fail(this.lane, e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  dismissGhost() {
    this.ghost = null;
    this.invalidate('reports');
  }

  /** One of exports.js's files: `results` (figure), `history` (CSV) or `run` (run file). */
  async exportFile(kind) {
    try {
      await this.startup;
      if (kind === 'results') {
        if (this.scrubEpoch === null) await this.lane.refresh(this.sample, { playing: false, drawMs: 0 });
        return await exports.resultsFigure(this.lane.shown(this.scrubEpoch));
      }
      if (kind === 'history') return await exports.historyCsv(this.run);
      if (kind === 'run') return await exports.runFile(this.run);
      throw new Error(`export "${kind}" is unknown: use ${Object.keys(exports.EXPORTS).join(', ')}`);
    } catch (e) {
      this.status.showError(`export failed: ${e.message}`);
      return null;
    }
  }

  // ---------------------------------------------------------------- files
  /** The lane a file call means: `run` (compare mode), else the chosen one. */
  laneOf(run) {
    if (run === undefined || run === null) return this.lane;
    const lane = this.lanes[run];
    if (!lane) throw new Error(`run = ${run} is not allowed: run must be an integer from 0 to ${this.lanes.length - 1}`);
    return lane;
  }

  /** Downloads run `run`'s (default: the shown run's) weights as a GRU Lab weights file; returns its text. */
  async saveWeights({ run } = {}) {
    try {
      await this.startup;
      const text = await this.laneOf(run).run.save();
      download(new Blob([text], { type: 'application/json' }), 'gru-lab-weights.json');
      return text;
    } catch (e) {
      this.status.showError(`saving failed: ${e.message}`);
      return null;
    }
  }

  /** Downloads run `run`'s weights as a PyTorch .pth state_dict; returns its bytes. */
  async savePth({ run } = {}) {
    try {
      await this.startup;
      const lane = this.laneOf(run);
      const bytes = await lane.run.savePth();
      download(new Blob([bytes], { type: 'application/octet-stream' }), `gru-lab-${lane.config.cell}.pth`);
      return bytes;
    } catch (e) {
      this.status.showError(`saving failed: ${e.message}`);
      return null;
    }
  }

  /** Starts over from a weights file (GRU Lab JSON text, or a PyTorch .pth as an ArrayBuffer or typed
   * array); a bad file is refused with its reason and the run goes on. In compare mode `run` says which
   * run the file starts again: that run takes the file's config, the others go on as they are. */
  async loadWeights(file, { run } = {}) {
    if (this.comparing && (run === undefined || run === null)) {
      this.status.showError('in compare mode a weights file starts one run again: say which (loadWeights(file, {run: 1})), or clear the compare field. The runs are unchanged.');
      return false;
    }
    if (this.busy) {
      this.status.showError('wait for the running epoch to finish, then load the file again');
      return false;
    }
    await this.pause();
    try {
      await this.startup;
      const lane = this.laneOf(run);
      const bytes = ArrayBuffer.isView(file) ? file.slice().buffer : file instanceof ArrayBuffer ? file.slice(0) : null;
      if (typeof file !== 'string' && !bytes) {
        throw new Error(`loadWeights takes the text of a GRU Lab weights file or the bytes of a .pth file, not ${typeof file}`);
      }
      const { config, reports, history } = await lane.run.load(bytes || file);
      this.status.clearMessage();
      // A run file brings its history: the store is filled as if it had been trained here.
      const refill = () => {
        for (const report of reports) lane.push(report, null, this.sample);
        lane.history = history ?? null;
      };
      if (this.comparing) {
        const parameters = core.applyQuery(config, '', PAGE_KEYS).parameters;
        await lane.start(config, { label: `${lane.label} (file)`, parameters, loaded: true });
        refill();
        this.invalidate(...ALL_CHANGES);
        return true;
      }
      this.config = config;
      this.controls.syncInputs(this.config);
      this.syncUrl();
      const restarted = this.restart({ loaded: true });
      refill();
      await restarted;
      this.invalidate(...ALL_CHANGES);
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
    if (this.page.workers !== 'auto') params.set('workers', String(this.page.workers));
    if (this.page.compare) params.set('compare', this.page.compare);
    return readableCompare(params);
  }

  syncUrl() {
    if (!this.opts.syncUrl) return;
    const params = new URLSearchParams(window.location.search);
    for (const [k, v] of new URLSearchParams(this.query())) params.set(k, v);
    if (!this.page.compare) params.delete('compare');
    if (this.deepDive.element && this.page.dive !== DEFAULT_DIVE) params.set('dive', this.page.dive);
    else if (this.deepDive.element) params.delete('dive');
    history.replaceState(null, '', `${window.location.pathname}?${readableCompare(params)}`);
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
    const replay = () => {
      for (const lane of this.lanes) if (lane.playing) lane.run.play(this.playOptions());
    };
    list.push(listener);
    replay();
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
      replay();
    };
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.generation++;
    this.setPlaying(false);
    if (this.frame) cancelAnimationFrame(this.frame);
    for (const lane of this.lanes) lane.run.terminate();
    for (const undo of this.cleanup) undo();
    this.root.replaceChildren();
    this.root.classList.remove('gru-lab', 'embed');
  }
}
