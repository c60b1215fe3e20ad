// The history bar: a slider over the epochs trained (← → when it has focus) that shows every panel as
// it was at the end of the chosen epoch, without training; "Continue from here" trains on from that
// epoch (the later epochs stay as a faint ghost in the loss chart), "Back to the newest" returns. It
// only reports what the learner does (the view holds the state) and says how much of the past the
// worker keeps (history.rs: every epoch within the budget, past it every k-th, the rest recomputed).
import { el } from './dom.js';

const MB = 1 << 20;

/** `ctx`: {id(name), on(target, type, fn)}; `actions`: {scrub(epoch), live(), continueFrom(epoch)}.
 * Returns {element, sync({epoch, newest, history})}. */
export function mountScrubber(ctx, actions) {
  const slider = el('input', { type: 'range', min: 0, max: 0, value: 0, step: 1, id: ctx.id('scrub'), 'aria-label': 'epoch shown' });
  const label = el('span', { class: 'scrub-label', id: ctx.id('scrub-label'), 'aria-live': 'polite' });
  const keep = el('span', { class: 'scrub-keep', id: ctx.id('scrub-keep') });
  const resume = el('button', { type: 'button', class: 'secondary', id: ctx.id('continue-from'), text: 'Continue from here', title: 'train on from the epoch shown; the later epochs stay as a faint ghost in the loss chart' });
  const live = el('button', { type: 'button', class: 'secondary', id: ctx.id('scrub-live'), text: 'Back to the newest', title: 'show the newest epoch again' });
  const element = el('div', { class: 'scrubber', hidden: true }, [
    el('label', {}, [el('span', { text: 'history ' }), slider]), label, resume, live, keep,
  ]);
  ctx.on(slider, 'input', () => actions.scrub(Number(slider.value)));
  ctx.on(resume, 'click', () => actions.continueFrom(Number(slider.value)));
  ctx.on(live, 'click', () => actions.live());

  return {
    element,
    /** `epoch`: the epoch shown (null: the newest); `newest`: epochs trained; `history`: the worker's
     * HistorySummary, or null before the first epoch. */
    sync({ epoch, newest, history }) {
      element.hidden = newest === 0;
      const shown = epoch === null ? newest : epoch;
      slider.max = String(newest);
      slider.min = String(history ? history.earliest : 0);
      slider.value = String(shown);
      const past = shown < newest;
      label.textContent = past ? `epoch ${shown} of ${newest}: as it was then` : `epoch ${newest}: the newest`;
      resume.disabled = !past;
      live.disabled = !past;
      if (!history) {
        keep.textContent = '';
      } else {
        const used = `${(history.bytes / MB).toFixed(1)} of ${Math.round(history.budget / MB)} MB`;
        keep.textContent = history.stride === 1
          ? `every epoch kept (${used})`
          : `every ${history.stride}${history.stride === 2 ? 'nd' : 'th'} epoch kept (${used}); the others are recomputed from the one before`;
      }
    },
  };
}
