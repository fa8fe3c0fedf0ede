//! The scale benchmark: runs the large scenarios of `scenarios/bench/`
//! (`big-zipf`, `big-uniform`: 5,000 shards for 60 s; `big-10k`: 10,000
//! shards at 5 million records/s for 10 minutes), each in a process of its
//! own so that each reports its own peak resident memory, and prints user
//! records per second of wall time, peak RSS, and the sizes of the
//! `report.json` and `timeseries.csv` a run writes, next to the targets of
//! docs/scale.md, "Benchmark". Timing is printed, never asserted.
//! Each runs twice: on one thread, then with its SDK calls built on a
//! second thread (what `shardsim run` does for a single run when it has two
//! cores; see `producer::feed`).
//!
//! `cargo bench --bench big` runs all three (about 12 minutes on 2 cores,
//! most of it `big-10k`); `cargo bench --bench big -- zipf` runs those
//! whose name contains `zipf`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// A variant: its scenario (in `scenarios/bench/`), and the targets.
struct Variant {
    name: &'static str,
    min_million_records_per_s: Option<f64>,
    max_rss_mib: f64,
}

const VARIANTS: &[Variant] = &[
    Variant { name: "big-zipf", min_million_records_per_s: Some(12.0), max_rss_mib: 300.0 },
    Variant { name: "big-uniform", min_million_records_per_s: Some(20.0), max_rss_mib: 150.0 },
    Variant { name: "big-10k", min_million_records_per_s: None, max_rss_mib: 16.0 * 1024.0 },
];

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok());
    kib.map_or(f64::NAN, |k| k / 1024.0)
}

/// Runs scenario `name` in this process, on `threads` (1 or 2) threads,
/// and prints one `result` line:
/// user records, simulation wall seconds, report seconds, peak RSS MiB,
/// report.json bytes, timeseries.csv bytes.
fn run_one(name: &str, threads: u32) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/bench/{name}.toml"));
    let text = std::fs::read_to_string(&path).expect("the scenario is in the repository");
    let s = shardsim::scenario::load(&path.display().to_string(), &text, &[]).expect("the scenario is valid");
    let prices = shardsim::app::prices_for(&s, &path).expect("built-in prices");
    let started = Instant::now();
    let outcome = shardsim::sim::simulate_observed(&s, s.seed, 0, threads == 2, &mut |_, _| {});
    let sim_s = started.elapsed().as_secs_f64();
    let users: u64 = outcome.producers.iter().map(|c| c.user_records).sum();
    let started = Instant::now();
    let report = shardsim::report::Report::single(&s, s.seed, &outcome, &prices);
    drop(outcome);
    let json = shardsim::report::json::to_json(&report);
    let csv = shardsim::report::csv::timeseries(&report.points[0]);
    let report_s = started.elapsed().as_secs_f64();
    println!("result {users} {sim_s} {report_s} {} {} {}", peak_rss_mib(), json.len(), csv.len());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if let [flag, name, threads] = args.as_slice()
        && flag == "--variant"
    {
        return run_one(name, threads.parse().expect("1 or 2 threads"));
    }
    let exe = std::env::current_exe().expect("the benchmark knows its own path");
    println!("scale benchmark: each variant in its own process, on one thread, then with its calls built on a second");
    let chosen = VARIANTS.iter().filter(|v| args.first().is_none_or(|f| v.name.contains(f.as_str())));
    for (v, threads) in chosen.flat_map(|v| [(v, 1), (v, 2)]) {
        let out =
            Command::new(&exe).args(["--variant", v.name, &threads.to_string()]).output().expect("the variant starts");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("result ")) else {
            println!("{}: failed: {}{}", v.name, stdout, String::from_utf8_lossy(&out.stderr));
            continue;
        };
        let f: Vec<f64> = line.split(' ').map(|x| x.parse().unwrap_or(f64::NAN)).collect();
        let (users, sim_s, report_s, rss, json, csv) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        let rate = users / sim_s / 1e6;
        let target = match v.min_million_records_per_s {
            Some(min) => format!("target ≥ {min} million/s and ≤ {} MiB", v.max_rss_mib),
            None => format!("target ≤ {} GiB", v.max_rss_mib / 1024.0),
        };
        println!(
            "{} ({threads} thread{}): {:.0} million user records in {sim_s:.1} s = {rate:.2} million/s; report {report_s:.1} s; \
             peak RSS {rss:.0} MiB; report.json {:.1} MB, timeseries.csv {:.1} MB ({target})",
            v.name,
            if threads == 1 { "" } else { "s" },
            users / 1e6,
            json / 1e6,
            csv / 1e6
        );
    }
}
