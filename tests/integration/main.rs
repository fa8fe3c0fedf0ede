//! Integration tests, one binary: closed-form checks of the model, hashing
//! against AWS's published values, determinism, the CLI and the shipped
//! scenarios.

mod agent;
mod autoscaling;
mod charts;
mod cli;
mod closed_form;
mod common;
mod consumers;
mod cost;
mod deploy;
mod determinism;
mod docs;
mod fan_out;
mod faults;
mod firehose;
mod hashing;
mod init;
mod kpl;
mod lambda;
mod on_demand;
mod partition;
mod replay;
mod requests;
mod reshard;
mod scenarios;
mod schema;
mod services;
mod sweep;
