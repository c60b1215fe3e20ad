//! Every native integration test, in one test binary: each binary links the library and Burn with
//! thin LTO (about a minute on two cores), so one binary instead of six saves most of the warm
//! `make test`'s native stage. Each module is one concern:
//! - `golden`: every cell held to PyTorch (forward, quantities, gradients, init, loss curves);
//! - `fused`: the fused BPTT held to Burn's autodiff;
//! - `gradient_flow`: the gradient through time held to PyTorch on both paths;
//! - `tasks`: every task trains; the adding problem separates the GRU from the plain RNN;
//! - `charts`: no chart's labels overlap or leave the canvas; hover hits what was drawn;
//! - `cli`: the `gru-lab` binary's output and its one-line errors;
//! - `history`: a run sent back to an earlier epoch trains on bit for bit; the history's budget.
//! - `shards`: the shards of a batch add up to one pass; a run is the same on 1, 2 or 3 workers.

mod charts;
mod cli;
mod common;
mod forecast;
mod fused;
mod golden;
mod gradient_flow;
mod history;
mod shards;
mod tasks;
