// The lesson's challenges (lesson.js shows one at `?challenge=<id>`): a goal, a lab to reach it with,
// and a check that reads the run as it trains. A challenge: {id, title, goal, hint, lab: {option:
// value}, checker() → {update(run) → {solved, text}}}, where `run` is the lab's run as the handle's
// `runs[0]` gives it ({config, parameters, epoch, losses, valLosses, error}) and `update` is called
// after every epoch and whenever the lab changes.

const fmt = (x) => (Number.isFinite(x) ? x.toPrecision(3) : '–');
const lowest = (xs) => xs.reduce((m, x) => (Number.isFinite(x) && x < m ? x : m), Infinity);

/** A goal on the newest validation loss (and the run's shape): solved the first time it holds. */
function threshold({ below, fits, why }) {
  return () => ({
    update(run) {
      const latest = run.valLosses.at(-1);
      const misfit = fits(run);
      if (misfit) return { solved: false, text: misfit };
      if (Number.isFinite(latest) && latest < below) {
        return { solved: true, text: `Solved at epoch ${run.epoch}: validation MSE ${fmt(latest)} ${why(run)}.` };
      }
      return { solved: false, text: `Not yet: validation MSE ${fmt(latest)} at epoch ${run.epoch} (best ${fmt(lowest(run.valLosses))}), the goal is below ${below} ${why(run)}.` };
    },
  });
}

export const CHALLENGES = [
  {
    id: 'small',
    title: 'Small and good',
    goal: 'Reach a validation MSE below 0.001 on the sine with at most 2,000 parameters.',
    hint: 'The tutorial\'s 2 × 32 GRU has 9,537 parameters. How few units does a sine need? A higher learning rate can make up for a smaller model.',
    lab: { task: 'sine', cell: 'cho', hidden: 32, layers: 2, window: 10, split: 0.2, epochs: 300, seed: 42, panels: 'prediction,loss', controls: 'step,play,reset,cell,hidden,layers,lr,dropout' },
    checker: threshold({
      below: 0.001,
      fits: (run) => (run.parameters > 2000 ? `This model has ${run.parameters.toLocaleString('en-US')} parameters: make it smaller (at most 2,000), then train.` : null),
      why: (run) => `with ${run.parameters.toLocaleString('en-US')} parameters`,
    }),
  },
  {
    id: 'adding-60',
    title: 'Solve the adding problem at T = 60',
    goal: 'Bring the validation MSE of the adding problem with windows of 60 below 0.01 (chance is 0.167). The plain RNN stays near 0.09: pick a cell that can carry a number across 60 steps.',
    hint: 'The cell menu has two GRUs and an LSTM. The GRU needs a few dozen epochs before its loss leaves the RNN\'s level.',
    lab: { task: 'adding', cell: 'rnn', hidden: 32, layers: 1, window: 60, samples: 1000, epochs: 300, seed: 42, panels: 'prediction,loss,gradients', controls: 'step,play,reset,cell,hidden,lr' },
    checker: threshold({
      below: 0.01,
      fits: (run) => (run.config.task !== 'adding' || run.config.window < 60 ? 'The goal is the adding problem with windows of at least 60 steps.' : null),
      why: (run) => `with the ${run.config.cell} cell at T = ${run.config.window}`,
    }),
  },
  {
    id: 'blow-up',
    title: 'Blow it up, then recover without Reset',
    goal: 'Find a learning rate at which the training loss blows up: above where it started (the untrained model\'s loss) and ten times its lowest value so far. Then bring the loss back below that lowest value without pressing Reset.',
    hint: 'Train a few epochs first, then type a large learning rate. To recover: a small learning rate, or the history bar\'s Continue from here.',
    lab: { task: 'sine', cell: 'cho', hidden: 16, layers: 1, window: 10, epochs: 1000, seed: 42, panels: 'prediction,loss', controls: 'step,play,reset,lr,history' },
    checker: () => {
      let seen = 0;
      let first = Infinity;
      let best = Infinity;
      let target = null;
      return {
        update(run) {
          // Reset (epoch 0) starts the challenge over; Continue from here (an earlier epoch) does not.
          if (run.epoch === 0 && seen > 0) {
            seen = 0;
            first = Infinity;
            best = Infinity;
            if (target !== null) {
              target = null;
              return { solved: false, text: 'Reset starts the run over, and the challenge with it: blow the loss up again.' };
            }
          }
          const fresh = run.epoch > seen ? run.losses.slice(seen) : [];
          seen = run.epoch;
          // Blown up: worse than the untrained model and ten times the lowest (Adam's own bumps on the
          // way down reach ten times the lowest, but not above the start).
          for (const loss of fresh) {
            if (!Number.isFinite(first)) first = loss;
            if (target === null) {
              if (Number.isFinite(best) && !(loss < Math.max(10 * best, first))) target = best;
              else best = Math.min(best, loss);
            } else if (loss < target) {
              return { solved: true, text: `Solved at epoch ${run.epoch}: the loss blew up past ${fmt(Math.max(10 * target, first))} and came back to ${fmt(loss)}, below its lowest ${fmt(target)}, without a Reset.` };
            }
          }
          if (target === null && run.error?.kind === 'diverged') target = best;
          if (target === null) return { solved: false, text: `Lowest training loss so far ${fmt(best)}: raise the learning rate until the loss passes ${fmt(Math.max(10 * best, first))}.` };
          return { solved: false, text: `It blew up. Now bring the training loss below ${fmt(target)} without Reset (latest ${fmt(run.losses.at(-1))}).` };
        },
      };
    },
  },
];
