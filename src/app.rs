//! The I/O shell around the pure core: reads scenario files, runs them
//! (in parallel across scenarios, results in input order), prints the
//! summary and writes report folders atomically. Wall-clock timing goes to
//! standard error only, never into a report.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;

use crate::cli::{CheckArgs, Cli, Command, Format, LoadArgs, RunArgs};
use crate::cost::prices::PriceTable;
use crate::report::table::{Flavour, render, thousands};
use crate::report::{Report, json};
use crate::scenario::{self, model::Scenario};
use crate::sim::{estimate, simulate};

/// Runs larger than this many user records are refused without `--force`
/// (minutes of work even at full speed).
const MAX_USER_RECORDS: f64 = 5e9;
/// Pre-hashed key tables, or KPL per-shard state, larger than this are
/// refused without `--force`.
const MAX_STATE_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;

/// Exit code: bad input, usage or I/O.
const EXIT_BAD_INPUT: u8 = 2;

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Check(args) => check(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{}", message.trim_end());
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Reads and validates every scenario and its price table, reporting all
/// failures together.
fn load_all(args: &LoadArgs) -> Result<Vec<(Scenario, PriceTable)>, String> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for path in &args.scenarios {
        match load_one(path, args) {
            Ok(s) => scenarios.push(s),
            Err(e) => errors.push(e),
        }
    }
    if let Some(dup) = duplicate_name(&scenarios) {
        errors.push(format!("two scenarios are named `{dup}`; names must differ (they name the report folders)"));
    }
    if errors.is_empty() { Ok(scenarios) } else { Err(errors.join("\n")) }
}

fn load_one(path: &Path, args: &LoadArgs) -> Result<(Scenario, PriceTable), String> {
    let name = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|e| format!("{name}: cannot read scenario file: {e}"))?;
    let mut s = scenario::load(&name, &text, &args.set).map_err(|e| e.to_string())?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    let prices = prices_for(&s, path)?;
    Ok((s, prices))
}

/// The price table of scenario `s` read from `scenario_path`: the file it
/// names (relative to the scenario's folder, or to the working directory
/// when `--set` named it) or the built-in table, with its `[pricing]` rates
/// applied.
pub fn prices_for(s: &Scenario, scenario_path: &Path) -> Result<PriceTable, String> {
    let base = match &s.pricing.file {
        None => scenario::built_in_prices(),
        Some(f) => {
            let path = match scenario_path.parent() {
                Some(dir) if !f.from_command_line => dir.join(&f.path),
                _ => PathBuf::from(&f.path),
            };
            let name = path.display().to_string();
            let text = fs::read_to_string(&path).map_err(|e| {
                format!("{}: pricing: cannot read price table file {name}: {e}", scenario_path.display())
            })?;
            scenario::load_prices(&name, &text).map_err(|e| e.to_string())?
        }
    };
    Ok(base.with_overrides(&s.pricing.overrides))
}

fn duplicate_name(scenarios: &[(Scenario, PriceTable)]) -> Option<&str> {
    let mut names: Vec<&str> = scenarios.iter().map(|(s, _)| s.name.as_str()).collect();
    names.sort_unstable();
    names.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

fn check(args: &CheckArgs) -> Result<(), String> {
    for (s, prices) in load_all(&args.load)? {
        println!(
            "ok: {} — {} shards, {} producer group(s), {} consumer(s), {} s, prices {} of {}",
            s.name,
            s.stream.shard_count,
            s.producers.len(),
            s.consumers.len(),
            s.duration.as_secs_f64(),
            prices.region,
            prices.as_of
        );
    }
    Ok(())
}

fn run(args: &RunArgs) -> Result<(), String> {
    let scenarios = load_all(&args.load)?;
    if !args.force {
        refuse_absurd(&scenarios)?;
    }
    let started = Instant::now();
    let outcomes: Vec<(Report, u64)> = scenarios
        .par_iter()
        .map(|(s, prices)| {
            let o = simulate(s, s.seed, 0);
            let users = o.producers.iter().map(|c| c.user_records).sum::<u64>();
            (Report::single(s, s.seed, &o, prices), users)
        })
        .collect();
    let wall = started.elapsed().as_secs_f64();
    let mut stdout = String::new();
    for (report, _) in &outcomes {
        let path = write_report(&args.out, report)?;
        match args.format {
            Format::Table => {
                stdout.push_str(&render(report, Flavour::Text));
                stdout.push_str(&format!("\nreport: {}\n", path.display()));
            }
            Format::Markdown => stdout.push_str(&render(report, Flavour::Markdown)),
            Format::Json => stdout.push_str(&json::to_json(report)),
        }
    }
    if !args.quiet {
        print!("{stdout}");
        let users: u64 = outcomes.iter().map(|(_, u)| u).sum();
        eprintln!(
            "simulated {} user records in {wall:.2} s wall time ({} records/s)",
            thousands(users),
            thousands((users as f64 / wall.max(1e-9)) as u64)
        );
    }
    Ok(())
}

fn refuse_absurd(scenarios: &[(Scenario, PriceTable)]) -> Result<(), String> {
    let problems: Vec<String> = scenarios
        .iter()
        .filter_map(|(s, _)| {
            let e = estimate(s);
            if e.user_records > MAX_USER_RECORDS {
                Some(format!(
                    "{}: about {:.1e} user records to simulate (limit {MAX_USER_RECORDS:.0e}); shorten duration_s or lower records_per_s, or pass --force",
                    s.name, e.user_records
                ))
            } else if e.key_table_bytes > MAX_STATE_BYTES {
                Some(format!(
                    "{}: key tables need about {:.1} GiB of memory; use fewer keys, or `unique`/`random_hash` keys, or pass --force",
                    s.name,
                    e.key_table_bytes / 1024f64.powi(3)
                ))
            } else if e.kpl_state_bytes > MAX_STATE_BYTES {
                Some(format!(
                    "{}: KPL instances × shards need about {:.1} GiB for per-shard aggregates and limiters; use fewer instances or shards, or pass --force",
                    s.name,
                    e.kpl_state_bytes / 1024f64.powi(3)
                ))
            } else {
                None
            }
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// Writes `<out>/<name>/report.json` via a temporary file and a rename, so
/// an interrupted run never leaves a half-written report.
fn write_report(out: &Path, report: &Report) -> Result<PathBuf, String> {
    let dir = out.join(&report.scenario.name);
    let fail = |what: &str, p: &Path, e: std::io::Error| format!("{}: cannot {what}: {e}", p.display());
    fs::create_dir_all(&dir).map_err(|e| fail("create folder", &dir, e))?;
    let path = dir.join("report.json");
    let tmp = dir.join(".report.json.tmp");
    let mut f = fs::File::create(&tmp).map_err(|e| fail("create", &tmp, e))?;
    f.write_all(json::to_json(report).as_bytes()).map_err(|e| fail("write", &tmp, e))?;
    f.sync_all().map_err(|e| fail("sync", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| fail("rename into place", &path, e))?;
    Ok(path)
}
