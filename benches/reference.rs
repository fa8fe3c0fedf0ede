//! The performance benchmark: runs `scenarios/bench/reference.toml` in this
//! process, as written, again with one default polling consumer reading
//! every shard, again with the KPL client (default settings) instead of
//! the SDK's, and again with its keys drawn from an empirical table of one
//! million keys (uneven counts, built in memory as a key file would load;
//! no key is hot enough to throttle, so the variant measures drawing keys,
//! not retrying), and prints simulated user records per second of wall time and
//! the process's peak resident memory. Run with
//! `cargo bench --bench reference`; timing is printed, never asserted.
//!
//! The two variants run in turns, `ROUNDS` times each, and the fastest run
//! of each is compared: on a shared machine other work only ever slows a
//! run down, and it does so unevenly, so one run of each can mislead.

use std::sync::Arc;
use std::time::Instant;

use shardsim::import::keys::{KeyCount, KeyTable};
use shardsim::scenario::model::{EmpiricalKeys, FileRef, KeyDist, Scenario};

/// Runs of each variant.
const ROUNDS: usize = 3;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// One run: prints what it simulated and returns user records per second.
fn measure(label: &str, scenario: &Scenario) -> f64 {
    let started = Instant::now();
    let outcome = shardsim::sim::simulate(scenario, scenario.seed, 0);
    let wall_s = started.elapsed().as_secs_f64();
    let users: u64 = outcome.producers.iter().map(|c| c.user_records).sum();
    let throttled: u64 = outcome.producers.iter().map(|c| c.write_throttled).sum();
    let delivered: u64 = outcome.consumers.iter().map(|c| c.meter.records_delivered).sum();
    let rate = users as f64 / wall_s;
    let rss = peak_rss_mib().map_or("unavailable".to_string(), |m| format!("{m:.1} MiB"));
    println!(
        "{label}: {users} user records (events: {}, throttled attempts: {throttled}, delivered: {delivered}) \
         in {wall_s:.2} s = {:.2} million/s; peak RSS so far {rss}",
        outcome.events,
        rate / 1e6
    );
    rate
}

/// Keys in the empirical variant's table.
const EMPIRICAL_KEYS: u32 = 1_000_000;

/// `reference` with its keys drawn from a table of `EMPIRICAL_KEYS` keys,
/// key k seen `1 + (7,919 k mod 100)` times: counts from 1 to 100, so the
/// table needs the alias sampler, and the busiest key has 0.0002 % of the
/// records.
fn empirical(reference: &Scenario) -> Scenario {
    let keys = (0..EMPIRICAL_KEYS)
        .map(|k| KeyCount {
            key: format!("customer-{k:07}"),
            count: (1 + (7_919 * k as u64) % 100) as f64,
            bytes: None,
            hash_key: None,
        })
        .collect();
    let mut s = reference.clone();
    s.producers[0].partition_key = KeyDist::Empirical(EmpiricalKeys {
        file: FileRef { path: "in-memory".into(), from_command_line: false },
        table: Arc::new(KeyTable { keys }),
        other_share: 0.0,
        other_keys: 1,
    });
    s
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/bench/reference.toml");
    let text = std::fs::read_to_string(path).expect("reference scenario is in the repository");
    let producers = shardsim::scenario::load(path, &text, &[]).expect("reference scenario is valid");
    let with_reader = format!("{text}\n[[consumers]]\nname = \"reader\"\nkind = \"polling\"\n");
    let consumer = shardsim::scenario::load(path, &with_reader, &[]).expect("reference scenario is valid");
    let kpl = shardsim::scenario::load(path, &text, &["producers.0.client=kpl".to_string()])
        .expect("reference scenario is valid with the KPL");
    println!(
        "reference scenario: {} shards, {} s simulated, {ROUNDS} rounds",
        producers.stream.shard_count,
        producers.duration.as_secs_f64()
    );
    let (mut best_producers, mut best_consumer, mut best_kpl, mut best_empirical) = (0f64, 0f64, 0f64, 0f64);
    for _ in 0..ROUNDS {
        best_producers = best_producers.max(measure("producers only", &producers));
        best_consumer = best_consumer.max(measure("with one default polling consumer", &consumer));
        best_kpl = best_kpl.max(measure("KPL client, producers only", &kpl));
    }
    // Last: its table's memory would otherwise count in the others' peak.
    let empirical = empirical(&producers);
    for _ in 0..ROUNDS {
        best_producers = best_producers.max(measure("producers only", &producers));
        best_empirical = best_empirical.max(measure("empirical table of 1 M keys, producers only", &empirical));
    }
    println!("best of {ROUNDS}: producers only {:.2} million user records/s", best_producers / 1e6);
    println!("best of {ROUNDS}: with one default polling consumer {:.2} million user records/s", best_consumer / 1e6);
    println!("best of {ROUNDS}: KPL client, producers only {:.2} million user records/s", best_kpl / 1e6);
    println!(
        "best of {ROUNDS}: empirical table of 1 M keys, producers only {:.2} million user records/s",
        best_empirical / 1e6
    );
    println!(
        "cost of the consumer: {:.1} % of the producers-only rate",
        100.0 * (1.0 - best_consumer / best_producers)
    );
    println!(
        "cost of the 1 M-key empirical table: {:.1} % of the producers-only rate (uniform over 100,000 keys)",
        100.0 * (1.0 - best_empirical / best_producers)
    );
}
