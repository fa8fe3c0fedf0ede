//! Same scenario and seed → byte-identical report.json, at any thread count;
//! a different seed → a different report.

use std::fs;

use crate::common::shardsim;

/// Every consumer kind is in one of these.
const SCENARIOS: [&str; 5] = ["quickstart", "hot-key", "lagging-consumer", "fan-out", "lambda"];

fn run_to(dir: &std::path::Path, threads: &str, seed: &str) -> Vec<Vec<u8>> {
    shardsim()
        .env("RAYON_NUM_THREADS", threads)
        .arg("run")
        .args(SCENARIOS.map(|s| format!("scenarios/{s}.toml")))
        .args(["--quiet", "--seed", seed])
        .args(["--set", "scenario.duration_s=60", "--out"])
        .arg(dir)
        .assert()
        .success();
    let read = |name: &str| fs::read(dir.join(name).join("report.json")).expect("report written");
    SCENARIOS.iter().map(|s| read(s)).collect()
}

#[test]
fn reports_are_byte_identical_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let one = run_to(&tmp.path().join("a"), "1", "5");
    let again = run_to(&tmp.path().join("b"), "1", "5");
    let two = run_to(&tmp.path().join("c"), "2", "5");
    assert_eq!(one, again, "same run twice");
    assert_eq!(one, two, "1 thread vs 2 threads");
    let other_seed = run_to(&tmp.path().join("d"), "2", "6");
    for (a, b) in one.iter().zip(&other_seed) {
        assert_ne!(a, b, "the seed must matter");
    }
}
