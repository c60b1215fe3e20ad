//! GRU Lab: a Gated Recurrent Unit trained live, epoch by epoch, with every gate visible.
//!
//! Data flows one way: [`config`] → [`data`] → [`model`] (built from [`gru`] layers) →
//! [`train::Trainer::step_epoch`] → [`train::EpochReport`] → drawing ([`plot`], [`diagram`]).
//! Everything but `web` compiles and is tested natively.

pub mod bptt;
pub mod config;
pub mod data;
pub mod diagram;
pub mod gru;
pub mod kernels;
pub mod metrics;
pub mod model;
pub mod params;
pub mod plot;
pub mod pth;
pub mod rng;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;
