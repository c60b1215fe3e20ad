// The lab's entry point for course pages, kept at the path EMBEDDING.md has always documented:
// everything lives in lab/ (lab/index.js explains the parts).
export { mount, optionsToQuery, PAGE_KEYS, PANELS, CONTROLS } from './lab/index.js';
