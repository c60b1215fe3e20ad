// The guided lesson's chapters (lesson.js renders them): each sets the lab's state with the lab's own
// options (the attributes of a <gru-lab> element, as in its URL), says what to do and what to look for.
// Written for a learner who knows basic Python and calculus; it follows the tutorial
// (../shared/seed/gru-tutorial.md: a 2-layer GRU of 32 units learns the next value of a sine from its
// last ten) and goes past it. Every number a chapter states is one the lab or its tests measured
// (README.md, BENCHMARKS.md).
//
// A chapter: {id, title, text: [paragraph HTML], lab: {option: value}, todo: [HTML], lookFor: [HTML]}.

/** The tutorial's configuration (the lab's defaults), spelled out. */
const TUTORIAL = { task: 'sine', cell: 'cho', hidden: 32, layers: 2, window: 10, points: 1000, epochs: 100, seed: 42 };

export const CHAPTERS = [
  {
    id: 'data',
    title: 'The data and the task',
    text: [
      'A recurrent network reads a sequence one value at a time and carries a <em>hidden state</em> h from step to step: a vector of numbers that is all it remembers of what it has read. Here the sequence is a sine wave sampled at 1,000 points. The task cuts it into <em>windows</em> of ten consecutive values; after reading a window the network must predict the eleventh.',
      'In the tutorial\'s Python this is <code>X[i] = y[i:i+10]</code>, <code>Y[i] = y[i+10]</code>: 990 windows, all trained on at once (one batch), with the mean squared error as the loss. The model is a GRU with two layers of 32 units and a linear layer that turns the last hidden state into one number.',
    ],
    lab: { ...TUTORIAL, panels: 'prediction,loss', controls: 'step,play,reset' },
    todo: ['Press <strong>Step</strong> once: one epoch (a forward pass over all 990 windows, the backward pass, one Adam update).', 'Press it four more times.'],
    lookFor: ['The prediction (the coloured line) against the sine: after one epoch it is almost flat, the mean of the data.', 'The loss chart: one point per epoch, on a log scale.'],
  },
  {
    id: 'equations',
    title: 'The four GRU equations',
    text: [
      'At every step t the GRU reads x<sub>t</sub> and the previous state h<sub>t−1</sub> and computes two <em>gates</em>, numbers between 0 and 1 (σ is the logistic sigmoid): the update gate z<sub>t</sub> = σ(W<sub>z</sub>x<sub>t</sub> + U<sub>z</sub>h<sub>t−1</sub> + b<sub>z</sub>) and the reset gate r<sub>t</sub> = σ(W<sub>r</sub>x<sub>t</sub> + U<sub>r</sub>h<sub>t−1</sub> + b<sub>r</sub>).',
      'A candidate state h̃<sub>t</sub> = tanh(W<sub>h</sub>x<sub>t</sub> + U<sub>h</sub>(r<sub>t</sub> ⊙ h<sub>t−1</sub>) + b<sub>h</sub>) is built from the input and the part of the old state the reset gate lets through; then h<sub>t</sub> = (1 − z<sub>t</sub>) ⊙ h<sub>t−1</sub> + z<sub>t</sub> ⊙ h̃<sub>t</sub>: each unit keeps its old value where z is near 0 and takes the candidate where z is near 1. Every W, U and b is learned; ⊙ multiplies element by element.',
    ],
    lab: { ...TUTORIAL, hidden: 4, layers: 1, dropout: 0, lr: 0.03, panels: 'gates,cell,equations,architecture', controls: 'step,reset' },
    todo: ['Read the equations panel beside the cell\'s picture: each box of the picture is one line of the equations.', 'Step a few epochs, then point at a cell of a heatmap (or focus the heatmaps and use the arrow keys): under each equation the panel now shows that unit\'s numbers, W x<sub>t</sub>, U h<sub>t−1</sub> and b added up, then the gate. Add them up yourself.', 'The architecture diagram below shows the whole net: the windows flowing into the layer, the last state into the linear head.'],
    lookFor: ['At step 1 the recurrent term is 0.000: h<sub>0</sub> is zero, so the first step sees only the input and the bias.', 'The h line: (1 − z) times the old state plus z times the candidate, a weighted average you can check by hand.', 'The parameter count: a GRU layer has three blocks (z, r, h̃), each with an input matrix, a recurrent matrix and a bias.'],
  },
  {
    id: 'training',
    title: 'Training and the loss curve',
    text: [
      'Training repeats one epoch: predict every window, measure the mean squared error, compute its gradient with respect to every weight by backpropagation through time, and let Adam move each weight a little against its gradient. The learning rate (0.01 in the tutorial) sets how far.',
      'The lab computes exactly what the tutorial\'s PyTorch script computes: its tests hold every gate and gradient to PyTorch within 1e-5, and the 100-epoch loss curve to PyTorch\'s.',
    ],
    lab: { ...TUTORIAL, panels: 'prediction,loss', controls: 'step,play,reset,lr' },
    todo: ['Press <strong>Play</strong> and let it run the tutorial\'s 100 epochs.', 'Then Reset, set the learning rate to 0.1 and Play again; then try 0.0005.'],
    lookFor: ['With 0.01 the loss falls by more than a factor of 100 and the prediction lies on the sine.', 'With 0.1 the loss jumps around; with 0.0005 it falls, but slowly: 100 epochs are not enough.'],
  },
  {
    id: 'gates',
    title: 'Reading the gates',
    text: [
      'The gates heatmaps show, for one window, every unit\'s gate value at every step: time runs left to right, one row per unit. For the update gate, a dark (low) cell means the unit keeps its state through that step; a bright (high) one means it overwrites it with the candidate.',
      'A small model is easier to read: this chapter trains 4 units in one layer without dropout, with a higher learning rate, so the gates move far from 0.5.',
    ],
    lab: { ...TUTORIAL, hidden: 4, layers: 1, dropout: 0, lr: 0.03, epochs: 300, panels: 'prediction,gates', controls: 'step,play,reset' },
    todo: ['Play for a hundred epochs or so, then pause.', 'Hover a heatmap cell (or move the window chooser) to see the values and the equations that made them.'],
    lookFor: ['Units whose update gate stays low for the whole window: they are the network\'s memory, carrying a value from the first steps to the last.', 'How the gates change while training: at epoch 1 every gate is near 0.5.'],
  },
  {
    id: 'gradient',
    title: 'The gradient through time, and why plain RNNs forget',
    text: [
      'A plain (Elman) RNN has no gates: h<sub>t</sub> = tanh(W x<sub>t</sub> + U h<sub>t−1</sub> + b). Its loss depends on an early step only through every step after it, so the gradient ∂L/∂h<sub>t</sub> is a product of one Jacobian per later step, each diag(1 − h²)·U. When those factors are smaller than 1 the product shrinks exponentially with the distance: the <em>vanishing gradient</em> (Bengio et al. 1994). The RNN then cannot learn what an early step should have stored.',
      'The GRU\'s update is additive: ∂h<sub>t</sub>/∂h<sub>t−1</sub> contains the term (1 − z<sub>t</sub>), so a unit whose update gate stays near 0 passes its gradient back almost unchanged: a highway through time.',
    ],
    lab: { task: 'adding', cell: 'rnn', hidden: 32, layers: 1, window: 60, samples: 1000, epochs: 300, seed: 42, compare: 'rnn,cho', panels: 'loss,runs,gradients', controls: 'step,play,reset' },
    todo: ['Step a few epochs. The gradient panel draws |∂L/∂h<sub>t</sub>| for every step of the window, on a log scale; <em>show</em> in the runs table switches between the RNN and the GRU.'],
    lookFor: ['For the RNN the curve falls by orders of magnitude towards the window\'s first steps; for the GRU it stays far flatter.'],
  },
  {
    id: 'lstm',
    title: 'GRU against LSTM',
    text: [
      'The tutorial ends by comparing the GRU with the LSTM (Hochreiter and Schmidhuber 1997): the LSTM has a separate cell state c and three gates (input, forget, output) plus a candidate, so four blocks where the GRU has three. "Fewer parameters, faster", the tutorial says of the GRU. Here the claim is measured.',
      'At the tutorial\'s size PyTorch\'s GRU has 9,729 parameters and the LSTM 12,961 (the plain RNN 3,265); the runs table shows each run\'s count and its time per epoch.',
    ],
    lab: { ...TUTORIAL, compare: 'cho,lstm', panels: 'prediction,loss,runs', controls: 'step,play,reset' },
    todo: ['Play both runs side by side (same data, same seed) for 100 epochs.'],
    lookFor: ['Parameters and ms per epoch in the runs table: is the GRU faster, and by about the ratio of parameters?', 'The two loss curves: on a task this regular, does the LSTM\'s extra machinery buy a lower loss?'],
  },
  {
    id: 'adding',
    title: 'The adding problem: where gates matter',
    text: [
      'The sine needs no long memory: its next value follows from the last two. The <em>adding problem</em> (Hochreiter and Schmidhuber 1997) does: each step carries a random number and a marker; exactly two steps are marked, one in each half of the window, and the target is the sum of the two marked numbers. The network must find and keep the first number across dozens of steps.',
      'Always answering 1 (the mean of the target) scores a mean squared error of 0.167; that is chance. With windows of 60 steps, in 300 epochs the GRU reaches a validation MSE near 0.003 while the plain RNN stays near 0.09.',
    ],
    lab: { task: 'adding', hidden: 32, layers: 1, window: 60, samples: 1000, epochs: 300, seed: 42, compare: 'rnn,cho', panels: 'prediction,loss,runs', controls: 'step,play,reset' },
    todo: ['Play. 300 epochs take a few minutes; the runs train side by side.'],
    lookFor: ['The validation losses (dashed): the RNN\'s stays near 0.09, the GRU\'s falls towards 0.003, often after a stretch where it looks as stuck as the RNN.', 'The prediction scatter: the GRU\'s points gather on the diagonal (prediction = target).'],
  },
  {
    id: 'forecast',
    title: 'Forecasting, and compounding error',
    text: [
      'The tutorial\'s net only ever predicts one step from true values. To forecast further, feed it its own output: the prediction becomes the newest value of the next window. Each step\'s error is then part of the next step\'s input, so errors compound with the horizon.',
      'The honest baseline is <em>persistence</em>: repeat the last value. After the tutorial\'s 100 epochs, one step ahead persistence wins (mean |error| 0.013 against 0.031), and at 50 steps the model is only slightly better (0.574 against 0.598).',
    ],
    lab: { ...TUTORIAL, panels: 'prediction,forecast', controls: 'step,play,reset' },
    todo: ['Play the 100 epochs, then move the forecast\'s start and change the number of steps ahead.'],
    lookFor: ['Where the forecast leaves the sine, and the step from which it is never again better than repeating the last value (shaded).'],
  },
  {
    id: 'data-of-your-own',
    title: 'Your own data',
    text: [
      'Any series will do: temperatures, prices, your heart rate. Paste a column of numbers (or a CSV file with a header) into the data box; the lab standardises it, holds out its last part as a validation set that the network never trains on, and reports the error in the series\' own units.',
      'The validation loss is the honest score: a training loss that keeps falling while the validation loss rises is the network memorising your data.',
    ],
    // The csv task needs its data first (a URL cannot carry it): the learner picks it in the task menu.
    lab: { task: 'sine', cell: 'cho', hidden: 16, layers: 1, window: 10, epochs: 200, seed: 42, split: 0.2, panels: 'prediction,loss,forecast', controls: 'step,play,reset,task,window,hidden,split' },
    todo: ['In the <em>task</em> menu choose <em>your own series (CSV or pasted)</em>: a data box opens.', 'Paste a series into it, choose a CSV file, or press <em>Example: airline passengers</em>; then <em>Use this data</em> and Play.'],
    lookFor: ['The gap between training and validation loss; what a larger window or more units do to it.'],
  },
];
