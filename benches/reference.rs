//! The performance benchmark: runs `scenarios/bench/reference.toml` in this
//! process, as written and again with one default polling consumer reading
//! every shard, and prints simulated user records per second of wall time
//! and the process's peak resident memory. Run with
//! `cargo bench --bench reference`; timing is printed, never asserted.

use std::time::Instant;

use shardsim::scenario::model::Scenario;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn measure(label: &str, scenario: &Scenario) {
    let started = Instant::now();
    let outcome = shardsim::sim::simulate(scenario, scenario.seed, 0);
    let wall_s = started.elapsed().as_secs_f64();
    let users: u64 = outcome.producers.iter().map(|c| c.user_records).sum();
    let throttled: u64 = outcome.producers.iter().map(|c| c.write_throttled).sum();
    let delivered: u64 = outcome.consumers.iter().map(|c| c.meter.records_delivered).sum();
    println!("{label}:");
    println!(
        "  user records simulated: {users} (events: {}, throttled attempts: {throttled}, delivered: {delivered})",
        outcome.events
    );
    println!("  wall time: {wall_s:.2} s");
    println!("  simulated user records per second: {:.2} million", users as f64 / wall_s / 1e6);
    match peak_rss_mib() {
        Some(m) => println!("  peak RSS of the process so far: {m:.1} MiB"),
        None => println!("  peak RSS: unavailable (no /proc/self/status)"),
    }
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/bench/reference.toml");
    let text = std::fs::read_to_string(path).expect("reference scenario is in the repository");
    let scenario = shardsim::scenario::load(path, &text, &[]).expect("reference scenario is valid");
    println!(
        "reference scenario: {} shards, {} s simulated",
        scenario.stream.shard_count,
        scenario.duration.as_secs_f64()
    );
    measure("producers only", &scenario);
    let with_reader = format!("{text}\n[[consumers]]\nname = \"reader\"\nkind = \"polling\"\n");
    let scenario = shardsim::scenario::load(path, &with_reader, &[]).expect("reference scenario is valid");
    measure("with one default polling consumer", &scenario);
}
