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

#[test]
fn watching_a_run_changes_nothing_and_sees_simulated_time_advance() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml")).unwrap();
    let s = shardsim::scenario::load("quickstart.toml", &text, &["scenario.duration_s=60".to_string()]).unwrap();
    let mut seen: Vec<(shardsim::time::SimTime, u64)> = Vec::new();
    let watched = shardsim::sim::simulate_observed(&s, s.seed, 0, false, &mut |t, records| seen.push((t, records)));
    let plain = shardsim::sim::simulate(&s, s.seed, 0);
    let prices = shardsim::scenario::built_in_prices();
    let json = |o: &shardsim::sim::RunOutcome| {
        shardsim::report::json::to_json(&shardsim::report::Report::single(&s, s.seed, o, &prices))
    };
    assert_eq!(json(&watched), json(&plain));
    // One call per 4,096 events, and a last one at the end.
    let calls = watched.events / u64::from(shardsim::sim::PROGRESS_EVERY_EVENTS) + 1;
    assert!((seen.len() as u64).abs_diff(calls) <= 1, "{} calls for {} events", seen.len(), watched.events);
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
    let users: u64 = watched.producers.iter().map(|c| c.user_records).sum();
    assert_eq!(seen.last().copied(), Some((s.duration, users)));
}

#[test]
fn calls_built_on_a_second_thread_change_nothing() {
    // Every shipped scenario that can, on its short horizon (400 of the
    // feed's epochs): the same report.json.
    let prices = shardsim::scenario::built_in_prices();
    let mut pipelined = Vec::new();
    for path in crate::common::shipped_scenarios() {
        let text = fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        let first = |overrides: &[String]| crate::common::shipped_plan(&path, &text, overrides).points.swap_remove(0);
        let full = first(&[]).scenario;
        let s = first(&crate::common::short_horizon(&full)).scenario;
        if !shardsim::sim::can_pipeline(&s) || s.duration > shardsim::time::SimTime::from_secs(60) {
            continue;
        }
        let json = |pipelined: bool| {
            let o = shardsim::sim::simulate_observed(&s, s.seed, 0, pipelined, &mut |_, _| {});
            shardsim::report::json::to_json(&shardsim::report::Report::single(&s, s.seed, &o, &prices))
        };
        assert!(json(true) == json(false), "{name}: the pipelined run differs");
        pipelined.push(path.file_stem().unwrap().to_string_lossy().into_owned());
    }
    // Shipped scenarios of each kind of consumer and arrival are among them.
    for expected in ["quickstart", "hot-key", "fan-out", "lambda", "lagging-consumer"] {
        assert!(pipelined.iter().any(|p| p == expected), "{expected} not pipelined: {pipelined:?}");
    }
}

#[test]
fn a_run_that_panics_stops_its_call_builder() {
    // The observer panics a few epochs in, while the builder is blocked
    // handing over more: the panic must come back, not hang the test.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml")).unwrap();
    let s = shardsim::scenario::load("quickstart.toml", &text, &["scenario.duration_s=60".to_string()]).unwrap();
    assert!(shardsim::sim::can_pipeline(&s));
    let caught = std::panic::catch_unwind(|| {
        shardsim::sim::simulate_observed(&s, s.seed, 0, true, &mut |now, _| {
            assert!(now < shardsim::time::SimTime::from_secs(5), "the observer gives up");
        })
    });
    assert!(caught.is_err());
}
