// Small DOM helpers shared by the controls and the panels. Text always goes in as text, never as HTML.

/** `el('button', {type: 'button', text: 'Step'}, [children])`; false/null/undefined attributes are left out. */
export function el(tag, attrs = {}, children = []) {
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

/** `h_{t−1}` and `x_t` as text nodes and <sub> elements (never HTML parsing). */
export function subscripts(text) {
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(/_\{([^}]*)\}|_(\w+)/g)) {
    parts.push(text.slice(last, m.index), el('sub', { text: m[1] ?? m[2] }));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** Offers `blob` as a download named `name`. */
export function download(blob, name) {
  const link = el('a', { href: URL.createObjectURL(blob), download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
