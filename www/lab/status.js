// The status line (epoch, loss, validation loss, lr, ms/epoch, parameters, backend, workers), the message area for errors and
// the polite live region that reads progress to screen readers.
import { el } from './dom.js';

/** `ctx`: {id(name), embed}. */
export function mountStatus(ctx) {
  const message = el('div', { id: ctx.id('message'), class: 'message', role: 'alert', hidden: true });
  const badge = el('span', { id: ctx.id('backend'), class: 'badge', text: 'starting…' });
  const epoch = el('span', { id: ctx.id('epoch'), text: '0' });
  const loss = el('span', { id: ctx.id('loss'), text: '–' });
  // The held-out loss, shown only for a task that holds windows out.
  const valLoss = el('span', { id: ctx.id('val-loss'), text: '–' });
  const valPart = el('span', { class: 'val-part', hidden: true }, [' · validation ', valLoss]);
  const epochs = el('span', { text: '' });
  const lr = el('span', { text: '' });
  const ms = el('span', { text: '–' });
  const params = el('span', { text: '' });
  // How many Web Workers train the run, and why (www/lab/parallel.js).
  const workers = el('span', { id: ctx.id('workers'), class: 'workers', text: '' });
  const line = el('div', { class: 'status' }, [
    'epoch ', epoch, '/', epochs, ' · loss ', loss, valPart, ' · lr ', lr,
    ' · ', ms, ' ms/epoch · ', params, ' parameters · ', badge, ' ', workers,
  ]);
  const live = el('div', { class: 'visually-hidden', 'aria-live': 'polite' });
  // Embedded: the way to the full lab (the view puts it at the end of the controls' bar).
  const fullLink = ctx.embed ? el('a', { class: 'open-full', target: '_blank', rel: 'noopener', text: 'open full lab ↗' }) : null;
  let announced = 0;

  return {
    message,
    line,
    live,
    fullLink,
    /** The config's static facts: epochs, parameter count, the "open full lab" link. */
    setConfig({ epochs: total, parameters, fullHref }) {
      epochs.textContent = String(total);
      params.textContent = parameters.toLocaleString('en-US');
      if (fullLink) fullLink.href = fullHref;
    },
    /** The newest report (or null) and the learning rate the next epoch uses. */
    setProgress(latest, nextLr) {
      epoch.textContent = String(latest ? latest.epoch : 0);
      loss.textContent = latest ? latest.loss.toFixed(6) : '–';
      const held = latest && Number.isFinite(latest.valLoss);
      valPart.hidden = !held;
      valLoss.textContent = held ? latest.valLoss.toFixed(6) : '–';
      lr.textContent = nextLr.toPrecision(3);
      ms.textContent = latest ? latest.ms.toFixed(latest.ms < 10 ? 1 : 0) : '–';
    },
    /** Reads the progress out every 10 epochs while playing, every epoch otherwise, and at the end. */
    announce(latest, playing, total) {
      if (!latest || latest.epoch < announced) announced = 0;
      if (!latest || latest.epoch === announced) return;
      if (!playing || Math.floor(latest.epoch / 10) > Math.floor(announced / 10) || latest.epoch === total) {
        const held = Number.isFinite(latest.valLoss) ? `, validation ${latest.valLoss.toFixed(6)}` : '';
        live.textContent = `epoch ${latest.epoch}, loss ${latest.loss.toFixed(6)}${held}`;
      }
      announced = latest.epoch;
    },
    setBackend(name, fallback) {
      badge.textContent = name;
      badge.title = name;
      badge.classList.toggle('fallback', fallback);
    },
    /** `{count, note}` from the training worker, or null before the first epoch: the count in the
     * line, why in its tooltip. */
    setWorkers(status) {
      // Embedded, where the line must fit one row of a small frame, one worker goes unsaid.
      const shown = status && !(ctx.embed && status.count === 1);
      workers.textContent = shown ? `· ${status.count} worker${status.count === 1 ? '' : 's'}` : '';
      workers.title = status ? status.note : '';
      workers.dataset.count = status ? String(status.count) : '';
    },
    showError(text) {
      message.textContent = text;
      message.hidden = false;
    },
    clearMessage() {
      message.hidden = true;
      message.textContent = '';
    },
  };
}
