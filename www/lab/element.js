// <gru-lab>: the lab as a custom element, for course pages that would rather write HTML than
// JavaScript (EMBEDDING.md):
//
//   <script type="module" src="gru-lab/www/lab/element.js"></script>
//   <gru-lab cell="lstm" hidden="16" layers="1" panels="prediction,loss,gates"></gru-lab>
//
// Attributes are the lab's options, with the names, values and validation of the URL query (a bad
// value is shown in the lab's message area, naming it and its allowed values, and the lab runs with
// that option's default); changing one builds the lab anew with the new options. Events (bubbling):
// `gru-lab-ready` (detail {epoch, backend}) when the lab is up, `gru-lab-epoch` (detail: what
// `onEpoch` gives) after every epoch. Methods `step() play() pause() reset()` resolve when done; `lab`
// is the full handle `mount` returns (index.js), null until `ready` resolves.
import { mount, OPTION_KEYS } from './index.js';

/** The stylesheet every lab needs, added to the document once (a page may link it itself). */
function linkStylesheet() {
  const href = new URL('./lab.css', import.meta.url).href;
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) return;
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href }));
}

export class GruLabElement extends HTMLElement {
  static observedAttributes = OPTION_KEYS;

  constructor() {
    super();
    this.lab = null;
    /** Resolves with the handle once the lab (as the attributes now say) is up. */
    this.ready = null;
    this.unsubscribe = null;
    this.rebuild = null;
  }

  connectedCallback() {
    linkStylesheet();
    this.build();
  }

  disconnectedCallback() {
    this.teardown();
  }

  attributeChangedCallback(name, previous, value) {
    if (previous === value || !this.isConnected || !this.ready) return;
    // Several attributes set in one go build one lab.
    this.rebuild ??= Promise.resolve().then(() => {
      this.rebuild = null;
      if (this.isConnected) this.build();
    });
  }

  /** The attributes as the lab's URL query (only the lab's options; `class`, `id`… are the page's). */
  query() {
    const params = new URLSearchParams();
    for (const key of OPTION_KEYS) if (this.hasAttribute(key)) params.set(key, this.getAttribute(key));
    return params.toString();
  }

  build() {
    this.teardown();
    const root = document.createElement('div');
    this.replaceChildren(root);
    const built = mount(root, { query: this.query() }).then((lab) => {
      if (this.ready !== built) {
        lab.destroy();
        return null;
      }
      this.lab = lab;
      this.unsubscribe = lab.onEpoch((detail) => this.dispatchEvent(new CustomEvent('gru-lab-epoch', { detail, bubbles: true })));
      this.dispatchEvent(new CustomEvent('gru-lab-ready', { detail: { epoch: lab.epoch, backend: lab.backend }, bubbles: true }));
      return lab;
    });
    this.ready = built;
  }

  teardown() {
    if (this.unsubscribe) this.unsubscribe();
    if (this.lab) this.lab.destroy();
    this.replaceChildren();
    this.lab = null;
    this.unsubscribe = null;
    this.ready = null;
  }

  async step() { return (await this.ready)?.step(); }

  async play() { return (await this.ready)?.play(); }

  async pause() { return (await this.ready)?.pause(); }

  async reset() { return (await this.ready)?.reset(); }
}

if (!customElements.get('gru-lab')) customElements.define('gru-lab', GruLabElement);
