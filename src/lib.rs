//! GRU Lab: recurrent networks (two GRUs, the LSTM, the plain RNN) trained live, epoch by epoch, with
//! every gate visible.
//!
//! Dependencies point one way: [`kernels`] ← [`cells`] (one file per cell, the registry) and
//! [`rng`] ← [`data`] ← [`tasks`] (one file per task, the registry) ← [`config`] ← [`state_dict`]
//! (weights by PyTorch name, the model's shape) ← [`params`] (the same weights on the host) ←
//! [`layer`] / [`bptt`] (the readable and the fused pass; [`dropout`] their masks) ← [`model`] and
//! [`shards`] (the fused pass over a batch cut into shards, shared between workers) ← [`train`] (one
//! epoch per call, [`train::EpochReport`], the epoch's [`gradient_flow`]) ← drawing ([`plot`], [`diagram`]) ←
//! `web`. [`pth`] and [`weights`] read and write files of [`state_dict`]s. Everything but `web`
//! compiles and is tested natively.

pub mod bptt;
pub mod cell_diagram;
pub mod cells;
pub mod compare;
pub mod config;
pub mod data;
pub mod diagram;
pub mod dropout;
pub mod epoch_log;
pub mod forecast;
pub mod gpu;
pub mod gradient_flow;
pub mod history;
pub mod kernels;
pub mod layer;
pub mod live_equations;
pub mod metrics;
pub mod model;
pub mod params;
pub mod plot;
pub mod pth;
pub mod rng;
pub mod run_file;
pub mod shards;
pub mod state_dict;
pub mod svg;
pub mod tasks;
pub mod trace;
pub mod train;
pub mod user_series;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;
