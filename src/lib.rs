//! shardsim: a deterministic discrete-event simulator for capacity planning
//! of Amazon Kinesis Data Streams.
//!
//! The pipeline is `scenario::load` (TOML + `--set` → validated
//! [`scenario::model::Scenario`]) → [`sim::simulate`] (pure, single-threaded,
//! seeded) → [`report::Report`], priced by [`cost`] with a price table →
//! exporters (terminal table, JSON, Markdown). Only `app` and the binary touch files, the terminal or the
//! environment.

pub mod app;
pub mod cli;
pub mod consumer;
pub mod cost;
pub mod engine;
pub mod metrics;
pub mod producer;
pub mod recommend;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod stream;
pub mod time;
pub mod workload;
