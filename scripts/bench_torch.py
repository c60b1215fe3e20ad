#!/usr/bin/env python3
"""The tutorial's training loop in PyTorch, one thread, timed per epoch. Prints one JSON line.
`--cell gru|lstm|rnn` (default gru) puts nn.GRU, nn.LSTM or nn.RNN (tanh) in the tutorial's model;
`--hidden H --layers L --window T` change its size and the sine's windows (1,000 points, as ours);
`--threads N` (default 1; 0: PyTorch's own default, every core) sets torch.set_num_threads.
`--task adding --window T` trains 1 layer on 1,000 windows of the adding problem (2 inputs per step)
instead of the sine, to time long windows; `--epochs N` (default 100).
Used by scripts/bench.mjs when PyTorch is installed; never by the tests."""
import argparse, json, os, sys, time
if "--threads" not in sys.argv or sys.argv[sys.argv.index("--threads") + 1] == "1":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import torch
import torch.nn as nn
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures"))
from gen_golden import TutorialModel  # the tutorial's model, its recurrent module chosen by name

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--cell", choices=("gru", "lstm", "rnn"), default="gru",
                    help="the recurrent module: nn.GRU, nn.LSTM or nn.RNN (default gru)")
parser.add_argument("--task", choices=("sine", "adding"), default="sine")
parser.add_argument("--window", type=int, default=None,
                    help="the window: the adding problem's T (default 100), the sine's (default 10)")
parser.add_argument("--hidden", type=int, default=32)
parser.add_argument("--layers", type=int, default=2)
parser.add_argument("--threads", type=int, default=1, help="0: PyTorch's default")
parser.add_argument("--epochs", type=int, default=100)
args = parser.parse_args()

if args.threads > 0:
    torch.set_num_threads(args.threads)
torch.manual_seed(42)
if args.task == "adding":
    T = args.window or 100
    values = torch.rand(1000, T)
    marks = torch.zeros(1000, T)
    rows = torch.arange(1000)
    marks[rows, torch.randint(0, T // 2, (1000,))] = 1
    marks[rows, torch.randint(T // 2, T, (1000,))] = 1
    X = torch.stack([values, marks], dim=2)
    y = (values * marks).sum(dim=1, keepdim=True)
    model = TutorialModel(args.cell, input_size=2, num_layers=1, dropout=0.0)
else:
    t = np.linspace(0, 20, 1000)
    data = np.sin(t)
    T = args.window or 10
    n = len(data) - T
    X = torch.FloatTensor(np.array([data[i:i + T] for i in range(n)]).reshape(-1, T, 1))
    y = torch.FloatTensor(np.array([data[i + T] for i in range(n)]).reshape(-1, 1))
    model = TutorialModel(args.cell, hidden_size=args.hidden, num_layers=args.layers, dropout=0.1)
opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-5)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=10)
ms = []
for epoch in range(args.epochs):
    start = time.perf_counter()
    model.train()
    opt.zero_grad()
    loss = ((model(X) - y) ** 2).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step(loss.item())
    ms.append((time.perf_counter() - start) * 1e3)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": ms}))
