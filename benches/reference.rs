//! The performance benchmark: runs `scenarios/bench/reference.toml` once in
//! this process and prints simulated user records per second of wall time
//! and the process's peak resident memory. Run with
//! `cargo bench --bench reference`; timing is printed, never asserted.

use std::time::Instant;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/bench/reference.toml");
    let text = std::fs::read_to_string(path).expect("reference scenario is in the repository");
    let scenario = shardsim::scenario::load(path, &text, &[]).expect("reference scenario is valid");
    let started = Instant::now();
    let outcome = shardsim::sim::simulate(&scenario, scenario.seed, 0);
    let wall_s = started.elapsed().as_secs_f64();
    let users: u64 = outcome.producers.iter().map(|c| c.user_records).sum();
    let throttled: u64 = outcome.producers.iter().map(|c| c.write_throttled).sum();
    println!(
        "reference scenario: {} shards, {} s simulated",
        scenario.stream.shard_count,
        scenario.duration.as_secs_f64()
    );
    println!(
        "user records simulated: {users}  (put calls/events: {}, throttled attempts: {throttled})",
        outcome.events
    );
    println!("wall time: {wall_s:.2} s");
    println!("simulated user records per second: {:.2} million", users as f64 / wall_s / 1e6);
    match peak_rss_mib() {
        Some(m) => println!("peak RSS: {m:.1} MiB"),
        None => println!("peak RSS: unavailable (no /proc/self/status)"),
    }
}
