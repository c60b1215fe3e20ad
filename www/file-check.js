// Opened from disk (file://), a browser refuses the lab's modules and its WebAssembly, and the page would
// hang on "Loading the lab…" with the reason only in the console. This classic script (not a module: it
// still runs from file://) says on the page what to do instead.
if (window.location.protocol === 'file:') {
  const where = document.querySelector('.loading') || document.body.appendChild(document.createElement('p'));
  where.className = 'loading file-warning';
  where.setAttribute('role', 'alert');
  where.textContent = 'GRU Lab has to be served over http: browsers do not run its modules and WebAssembly from a file '
    + 'opened from disk. In the project folder run "make serve" and open http://127.0.0.1:8080/, or serve the built '
    + 'folder (dist/) with any static web server, e.g. "python3 -m http.server" inside it.';
}
