// The lab's options: the model config (validated by Rust, core.applyQuery) and the page keys that only
// the page reads (backend, workers, embed, panels, controls, dive, sample). A URL query and the JS API's options object
// are two spellings of the same thing.
import { PANEL_IDS } from './panels/index.js';
import { CONTROL_NAMES, EMBED_CONTROLS } from './controls.js';
import { DIVE_OPTIONS, DEFAULT_DIVE } from './deep-dive.js';

/** Query keys that belong to the page, not to the model config. */
export const PAGE_KEYS = ['backend', 'workers', 'embed', 'panels', 'controls', 'dive', 'sample', 'compare'];
export const PANELS = PANEL_IDS;
export const CONTROLS = CONTROL_NAMES;
const CONFIG_FIELDS = ['task', 'hidden', 'layers', 'cell', 'lr', 'dropout', 'window', 'points', 'epochs', 'seed', 'split', 'samples', 'noise'];
/** Every option a query (or a `<gru-lab>` attribute, element.js) may set. */
export const OPTION_KEYS = [...CONFIG_FIELDS, ...PAGE_KEYS];
/** 'webgpu-ops' forces Burn's op-by-op autodiff on WebGPU: the reference the fused pass is measured against. */
const BACKENDS = ['auto', 'webgpu', 'ndarray', 'webgpu-ops'];
/** `workers`: 'auto' (decided by measured cost, www/lab/parallel.js) or a count up to this. */
const MAX_WORKERS = 8;
/** Options of `mount` that are not in a query: how the lab binds to the page around it. */
const MOUNT_ONLY = ['ids', 'syncUrl'];

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

/** Reads the page keys of a query string. Bad values become messages in `errors`; defaults stay. */
export function pageOptions(query, errors) {
  const params = new URLSearchParams(query);
  // compare: the runs of compare mode as written (`rnn,cho,lstm`); Rust reads them against the config
  // (core.compareRuns), so its bad parts are reported with the config's.
  const page = { backend: 'auto', workers: 'auto', embed: false, panels: PANELS, controls: CONTROLS, dive: DEFAULT_DIVE, sample: 0, compare: params.get('compare') || '' };
  const backend = params.get('backend');
  if (backend !== null) {
    if (BACKENDS.includes(backend)) page.backend = backend;
    else errors.push(`backend = "${backend}" is not allowed: backend must be one of ${BACKENDS.join(', ')}`);
  }
  const workers = params.get('workers');
  if (workers !== null && workers !== 'auto') {
    const n = Number(workers);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS) page.workers = n;
    else errors.push(`workers = "${workers}" is not allowed: workers must be auto or an integer from 1 to ${MAX_WORKERS}`);
  }
  page.embed = params.get('embed') === '1';
  if (page.embed) page.controls = EMBED_CONTROLS;
  // dive: which group of the deep-dive panels shows (deep-dive.js); an embed shows its panels at once.
  page.dive = page.embed ? 'all' : DEFAULT_DIVE;
  const dive = params.get('dive');
  if (dive !== null) {
    if (DIVE_OPTIONS.includes(dive)) page.dive = dive;
    else errors.push(`dive = "${dive}" is not allowed: dive must be one of ${DIVE_OPTIONS.join(', ')}`);
  }
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

/** The `compare` option as its query text: a string as it is, or a list of runs, each a cell name or
 * `{cell, hidden?, layers?, lr?, dropout?, window?}`. */
export function compareText(value) {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw new Error(`option "compare" has type ${typeof value}: compare must be a list of runs like [{cell: 'rnn'}, {cell: 'cho'}] or a string like "rnn,cho"`);
  return value.map((run, i) => {
    if (typeof run === 'string') return run;
    if (!run || typeof run !== 'object') throw new Error(`option "compare": run ${i + 1} must be a cell name or an object like {cell: 'lstm', hidden: 16}`);
    const { cell = '', ...fields } = run;
    return [String(cell), ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)].join(':');
  }).join(',');
}

/** Turns JS API options into a query string; unknown options or wrong types throw a named Error. */
export function optionsToQuery(options = {}) {
  const known = [...CONFIG_FIELDS, ...PAGE_KEYS, ...MOUNT_ONLY];
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) {
      throw new Error(`option "${key}" is unknown: options are ${known.join(', ')}`);
    }
    if (MOUNT_ONLY.includes(key)) continue;
    if (key === 'panels' || key === 'controls') {
      params.set(key, parseList(key, value, key === 'panels' ? PANELS : CONTROLS).join(','));
    } else if (key === 'embed') {
      params.set(key, value ? '1' : '0');
    } else if (key === 'compare') {
      params.set(key, compareText(value));
    } else {
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw new Error(`option "${key}" has type ${typeof value}: ${key} must be a number or a string`);
      }
      params.set(key, String(value));
    }
  }
  return params.toString();
}
