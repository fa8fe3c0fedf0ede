//! shardsim: a deterministic discrete-event simulator for capacity planning
//! of Amazon Kinesis Data Streams.
//!
//! The pipeline is `scenario::load_plan` (TOML + `--set` + sweeps →
//! validated [`scenario::model::Scenario`]s, one per configuration) →
//! [`sim::simulate`] (pure, seeded, single-threaded but for an optional
//! call builder; one per configuration and replication) → [`report::Report`], priced by [`cost`] with a price
//! table and judged against the `[slo]` → exporters (terminal table, JSON,
//! Markdown, CSV, PNG charts, HTML). [`recommend`] searches shard counts.
//! Only `app` and the binary touch files, the terminal or the environment.

pub mod app;
pub mod cli;
pub mod consumer;
pub mod cost;
pub mod cpu;
pub mod engine;
pub mod import;
pub mod metrics;
pub mod producer;
pub mod recommend;
pub mod report;
pub mod rng;
pub mod scaling;
pub mod scenario;
pub mod sim;
pub mod stream;
pub mod time;
pub mod workload;
