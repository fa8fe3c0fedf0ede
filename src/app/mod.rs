//! The I/O shell around the pure core: reads scenario files and price
//! tables, expands sweeps, runs every (configuration, replication) — or one
//! slice of them, for `merge` to fold — across a rayon pool with results
//! collected in input order, prints summaries, writes report folders
//! atomically, and turns SLO verdicts into the exit code. Wall-clock timing
//! and progress go to standard error only, never into a report.

use std::fs;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::{CheckArgs, Cli, Command, Format, LoadArgs, ParallelArgs, RunArgs};
use crate::cost::prices::PriceTable;
use crate::report::skeleton::Skeleton;
use crate::report::table::{Flavour, render, thousands};
use crate::report::{self, ChartData, Point, Report, charts, json, replicate};
use crate::scenario::model::{Plan, Scenario};
use crate::scenario::{self};
use crate::sim::{estimate, simulate, simulate_observed};

mod import;
pub mod init;
mod merge;
mod part;
pub mod partition;
mod recommend;
pub mod schema;

/// Runs larger than this many user records are refused without `--force`
/// (minutes of work even at full speed).
const MAX_USER_RECORDS: f64 = 5e9;
/// Pre-hashed key tables, or KPL per-shard state, larger than this are
/// refused without `--force`.
const MAX_STATE_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;

/// Exit code: the scenario ran, and its `[slo]` is broken.
pub const EXIT_SLO_BROKEN: u8 = 1;
/// Exit code: bad input, usage or I/O.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Check(args) => check(&args).map(|()| ExitCode::SUCCESS),
        Command::Recommend(args) => recommend::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Import(args) => import::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Init(args) => init::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Schema(args) => schema::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "shardsim", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => man_page(),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{}", message.trim_end());
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// One scenario file, expanded into its configurations, each with its
/// price table.
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// Its configurations.
    pub plan: Plan,
    /// The price table of each configuration, in plan order.
    pub prices: Vec<PriceTable>,
    /// The file's text, for `index.html`.
    pub text: String,
    /// What its data files warned of.
    pub warnings: Vec<String>,
}

impl Loaded {
    /// The scenario naming the report (the first configuration's).
    pub fn first(&self) -> &Scenario {
        &self.plan.points[0].scenario
    }
}

/// Reads and validates every scenario and its price tables, reporting all
/// failures together.
pub fn load_all(args: &LoadArgs) -> Result<Vec<Loaded>, String> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for path in &args.scenarios {
        match load_one(path, args) {
            Ok(l) => loaded.push(l),
            Err(e) => errors.push(e),
        }
    }
    if let Some(dup) = duplicate_name(&loaded) {
        errors.push(format!("two scenarios are named `{dup}`; names must differ (they name the report folders)"));
    }
    if errors.is_empty() { Ok(loaded) } else { Err(errors.join("\n")) }
}

fn load_one(path: &Path, args: &LoadArgs) -> Result<Loaded, String> {
    let name = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|e| format!("{name}: cannot read scenario file: {e}"))?;
    let files = Rc::new(data_files(path, args.strict));
    let mut plan = scenario::load_plan_with(&name, &text, &args.set, &args.sweep, args.replications, Rc::clone(&files))
        .map_err(|e| e.to_string())?;
    let warnings = files.warnings().into_iter().map(|w| format!("warning: {name}: {w}")).collect();
    if let Some(seed) = args.seed {
        plan.points.iter_mut().for_each(|p| p.scenario.seed = seed);
    }
    let prices = plan.points.iter().map(|p| prices_for(&p.scenario, path)).collect::<Result<Vec<_>, _>>()?;
    Ok(Loaded { path: path.to_path_buf(), plan, prices, text, warnings })
}

/// The data files of the scenario at `scenario_path`: paths written in it
/// are relative to its folder, those given by `--set` to the working
/// directory.
pub fn data_files(scenario_path: &Path, strict: bool) -> scenario::DataFiles {
    let dir = scenario_path.parent().map(Path::to_path_buf);
    scenario::DataFiles::new(
        move |path, from_command_line| {
            let full = match &dir {
                Some(dir) if !from_command_line => dir.join(path),
                _ => PathBuf::from(path),
            };
            fs::read_to_string(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))
        },
        strict,
    )
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

fn duplicate_name(loaded: &[Loaded]) -> Option<&str> {
    let mut names: Vec<&str> = loaded.iter().map(|l| l.first().name.as_str()).collect();
    names.sort_unstable();
    names.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

fn check(args: &CheckArgs) -> Result<(), String> {
    for l in load_all(&args.load)? {
        l.warnings.iter().for_each(|w| println!("{w}"));
        let s = l.first();
        let configurations = match l.plan.points.len() {
            1 => String::new(),
            n => format!("{n} configurations, "),
        };
        println!(
            "ok: {} — {configurations}{} replication(s), {} shards{}, {} producer group(s), {} consumer(s), {} s, prices {} of {}{}",
            s.name,
            l.plan.replications,
            s.stream.shard_count,
            s.stream.shards_file.as_ref().map(|f| format!(" (from {})", f.file.path)).unwrap_or_default(),
            s.producers.len(),
            s.consumers.len(),
            s.duration.as_secs_f64(),
            l.prices[0].region,
            l.prices[0].as_of,
            if s.slo.is_some() { ", with an [slo]" } else { "" }
        );
        // A replay shorter than the run stops (or loops): say so, since
        // the rest of the run is then quiet (or repeats).
        for p in &s.producers {
            if let Some(crate::scenario::model::RatePattern::Trace(t)) = &p.rate_pattern {
                let length = crate::workload::trace::length(t);
                if length < s.duration {
                    let then = match t.at_end {
                        crate::scenario::model::TraceEnd::Stop => "no records after it (at_end = \"stop\")",
                        crate::scenario::model::TraceEnd::Loop => "it starts again (at_end = \"loop\")",
                    };
                    println!(
                        "note: {}: producer {}: the trace {} lasts {} s of the run's {} s; {then}",
                        s.name,
                        p.name,
                        t.file.path,
                        length.as_secs_f64(),
                        s.duration.as_secs_f64()
                    );
                }
            }
        }
        // A static schedule's fate does not depend on traffic: say now
        // which calls AWS would refuse.
        for (k, error, message) in crate::scenario::reshard_warnings(&s.stream, &s.name) {
            let op = &s.stream.reshard[k];
            println!(
                "warning: {}: stream.reshard call {} at {} s ({}) would be refused: {error}: {message}",
                s.name,
                k + 1,
                op.at.as_secs_f64(),
                op.request.label()
            );
        }
    }
    Ok(())
}

/// One simulation to run: configuration `point` of file `file`, replication
/// `replication`.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    /// Index of the scenario file.
    pub file: usize,
    /// Index of the configuration in its plan.
    pub point: usize,
    /// Replication index.
    pub replication: u32,
}

/// What a job leaves behind: the full point for replication 0, the key
/// metrics for every replication.
pub struct JobResult {
    /// User records simulated (for the wall-clock rate).
    pub user_records: u64,
    /// Replication 0's point.
    pub point: Option<Point>,
    /// Its [`replicate::metrics`].
    pub metrics: Vec<(String, f64)>,
}

/// Runs `jobs` over `loaded` on `pool`, showing progress unless quiet;
/// results in job order.
pub fn run_jobs(loaded: &[Loaded], jobs: &[Job], pool: &rayon::ThreadPool, quiet: bool) -> Vec<JobResult> {
    // A single run shows its simulated time; several, how many are done.
    let single = match jobs {
        [j] => Some(loaded[j.file].plan.points[j.point].scenario.duration),
        _ => None,
    };
    let progress = match single {
        Some(duration) => time_bar(duration, quiet),
        None => progress_bar(jobs.len() as u64, quiet),
    };
    let started = Instant::now();
    let pipelined = pool.current_num_threads() >= 2;
    let results = pool.install(|| {
        jobs.par_iter()
            .map(|j| {
                let l = &loaded[j.file];
                let s = &l.plan.points[j.point].scenario;
                // A single run has the pool's second thread to build its
                // calls on; a sweep's runs already keep every thread busy.
                let o = match single {
                    Some(_) => simulate_observed(s, s.seed, j.replication, pipelined, &mut |now, records| {
                        if progress.is_hidden() {
                            return;
                        }
                        progress.set_position(now.whole_secs());
                        let wall = started.elapsed().as_secs_f64().max(1e-9);
                        progress.set_message(format!("{} user records/s", thousands((records as f64 / wall) as u64)));
                    }),
                    None => simulate(s, s.seed, j.replication),
                };
                let mut point = Point::of_run(s, &o, &l.prices[j.point]);
                // A sweep's charts are drawn from its summaries; the
                // per-shard series (up to 12 MiB) serve a single run only.
                if l.plan.points.len() == 1 && j.replication == 0 {
                    point.charts = ChartData::of(&o);
                }
                drop(o);
                if single.is_none() {
                    progress.inc(1);
                }
                JobResult {
                    user_records: point.producers.total.user_records,
                    metrics: replicate::metrics(&point),
                    point: (j.replication == 0).then_some(point),
                }
            })
            .collect()
    });
    progress.finish_and_clear();
    results
}

/// A rayon pool of `--threads` workers (default: one per core).
pub fn pool(args: &ParallelArgs) -> Result<rayon::ThreadPool, String> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        builder = builder.num_threads(n as usize);
    }
    builder.build().map_err(|e| format!("cannot start {} worker threads: {e}", args.threads.unwrap_or(0)))
}

/// A progress bar on standard error when it is a terminal and not quiet;
/// hidden otherwise.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} runs · {elapsed} elapsed · ETA {eta}") {
        bar.set_style(style);
    }
    bar
}

/// A bar over a single run's simulated seconds, with its rate and ETA, on
/// standard error when it is a terminal and not quiet; hidden otherwise.
fn time_bar(duration: crate::time::SimTime, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(duration.whole_secs()), ProgressDrawTarget::stderr());
    let template = "{bar:40} {pos}/{len} s simulated · {msg} · {elapsed} elapsed · ETA {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// Folds job results (in job order: configurations, then replications)
/// into one report per file.
pub fn reports(loaded: &[Loaded], results: Vec<JobResult>) -> Vec<Report> {
    let mut results = results.into_iter();
    loaded
        .iter()
        .map(|l| {
            let skeleton = Skeleton::of(&l.plan);
            let runs = results.by_ref().take(skeleton.jobs()).map(|r| (r.point, r.metrics));
            skeleton.report(runs).expect("every job of the plan ran, replication 0 with its point")
        })
        .collect()
}

/// Every job of `loaded`: each configuration's replications, in order.
fn all_jobs(loaded: &[Loaded]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (file, l) in loaded.iter().enumerate() {
        for point in 0..l.plan.points.len() {
            for replication in 0..l.plan.replications {
                jobs.push(Job { file, point, replication });
            }
        }
    }
    jobs
}

/// Whether a report's `[slo]` is broken: its only configuration breaks it,
/// or, for a sweep, none meets it.
pub fn slo_broken(report: &Report) -> bool {
    let verdicts: Vec<bool> = report.points.iter().filter_map(|p| p.slo.as_ref().map(|s| s.met)).collect();
    match verdicts.len() {
        0 => false,
        1 => !verdicts[0],
        _ => !verdicts.contains(&true),
    }
}

/// Says on standard error what the data files warned of, unless quiet.
pub fn print_warnings(loaded: &[Loaded], quiet: bool) {
    for w in loaded.iter().flat_map(|l| &l.warnings).filter(|_| !quiet) {
        eprintln!("{w}");
    }
}

fn run(args: &RunArgs) -> Result<ExitCode, String> {
    // A bad slice is refused before anything is read or run.
    let slice = args
        .partition
        .as_deref()
        .map(|p| partition::resolve(p, args.partitions, |name| std::env::var(name).ok()))
        .transpose()?;
    let loaded = load_all(&args.load)?;
    print_warnings(&loaded, args.parallel.quiet);
    // (index in the whole job list, job): every job, or the slice's.
    let jobs: Vec<(usize, Job)> =
        all_jobs(&loaded).into_iter().enumerate().filter(|(i, _)| slice.is_none_or(|s| s.holds(*i))).collect();
    if !args.force {
        refuse_absurd(&loaded, jobs.iter().map(|(_, j)| j))?;
    }
    let pool = pool(&args.parallel)?;
    let quiet = args.parallel.quiet;
    let started = Instant::now();
    let plain: Vec<Job> = jobs.iter().map(|(_, j)| *j).collect();
    let results = run_jobs(&loaded, &plain, &pool, quiet);
    let users: u64 = results.iter().map(|r| r.user_records).sum();
    let wall = started.elapsed().as_secs_f64();
    let arguments: Vec<String> = args
        .load
        .set
        .iter()
        .map(|a| format!("--set {a}"))
        .chain(args.load.sweep.iter().map(|a| format!("--sweep {a}")))
        .collect();
    let code = match slice {
        Some(slice) => {
            let numbered = jobs.iter().map(|(i, _)| *i).zip(results).collect();
            write_parts(args, &loaded, &arguments, slice, numbered)?;
            ExitCode::SUCCESS
        }
        None => {
            let reports = reports(&loaded, results);
            let published: Vec<Published> = reports
                .iter()
                .zip(&loaded)
                .map(|(report, l)| Published { report, text: &l.text, arguments: &arguments })
                .collect();
            let code = publish(&args.out, &published, args.format, args.no_charts, quiet)?;
            export(&args.export, &reports.iter().collect::<Vec<_>>())?;
            code
        }
    };
    if !quiet {
        eprintln!(
            "simulated {} user records in {} run(s) in {wall:.2} s wall time ({} records/s, {} thread(s))",
            thousands(users),
            jobs.len(),
            thousands((users as f64 / wall.max(1e-9)) as u64),
            pool.current_num_threads()
        );
    }
    Ok(code)
}

/// Writes each file's part of slice `slice` — `results` are (index in the
/// whole job list, result), in job order — with a line each on standard
/// output unless quiet.
fn write_parts(
    args: &RunArgs,
    loaded: &[Loaded],
    arguments: &[String],
    slice: partition::Slice,
    results: Vec<(usize, JobResult)>,
) -> Result<(), String> {
    let mut results = results.into_iter().peekable();
    let mut first_job = 0;
    let mut stdout = String::new();
    for l in loaded {
        let jobs = l.plan.points.len() * l.plan.replications as usize;
        let end = first_job + jobs;
        let mut mine = Vec::new();
        while let Some(r) = results.next_if(|(i, _)| *i < end) {
            mine.push(r);
        }
        let runs = mine.len();
        let part = part::Part::new(l, args.load.seed, arguments, slice, first_job, mine);
        let path = write_file(&args.out, &part.scenario, &slice.file_name(), &part.to_json())?;
        stdout.push_str(&format!(
            "{}: part {} of {}, {runs} of {jobs} run(s): {}\n",
            part.scenario,
            slice.number(),
            slice.count,
            path.display()
        ));
        first_job = end;
    }
    if !args.parallel.quiet {
        print!("{stdout}");
    }
    Ok(())
}

/// A report to write, with what its `index.html` shows beside it.
pub struct Published<'a> {
    /// The report.
    pub report: &'a Report,
    /// The scenario file's text.
    pub text: &'a str,
    /// The `--set` and `--sweep` arguments it ran with.
    pub arguments: &'a [String],
}

/// Writes each report's folder under `out` — `report.json`, the charts
/// (unless `no_charts`), `timeseries.csv` for a single configuration and
/// `index.html` — prints them in `format` (a table when none is asked
/// for), unless quiet and no format was asked for, and returns the
/// exit code their SLO verdicts give. `run` and `merge` both write through
/// it, so a merged folder is the folder a single run writes.
pub fn publish(
    out: &Path,
    published: &[Published],
    format: Option<Format>,
    no_charts: bool,
    quiet: bool,
) -> Result<ExitCode, String> {
    // Asked for, the report is printed: --quiet silences the rest.
    let print = format.is_some() || !quiet;
    let format = format.unwrap_or(Format::Table);
    let mut stdout = String::new();
    for Published { report, text, arguments } in published {
        let name = &report.scenario.name;
        let path = write_file(out, name, "report.json", &json::to_json(report))?;
        let charts = if no_charts { Vec::new() } else { charts::render(report)? };
        for c in &charts {
            write_bytes(out, name, c.file, &c.png)?;
            write_file(out, name, &c.svg_file(), &c.svg)?;
        }
        let csv = report.points.len() == 1;
        if csv {
            write_file(out, name, "timeseries.csv", &report::csv::timeseries(&report.points[0]))?;
        }
        write_file(out, name, "index.html", &report::html::index(report, &charts, text, arguments, csv))?;
        let svgs: Vec<String> = charts.iter().map(|c| c.svg_file()).collect();
        let mut written = vec!["report.json", "index.html"];
        written.extend(charts.iter().map(|c| c.file).chain(svgs.iter().map(String::as_str)));
        if csv {
            written.push("timeseries.csv");
        }
        remove_stale(&out.join(name), &written)?;
        match format {
            Format::Table => {
                stdout.push_str(&render(report, Flavour::Text));
                stdout.push_str(&format!("\nreport: {}\n", path.display()));
            }
            Format::Markdown => stdout.push_str(&render(report, Flavour::Markdown)),
            Format::Json => stdout.push_str(&json::to_json(report)),
        }
    }
    if print {
        print!("{stdout}");
    }
    let broken = published.iter().any(|p| slo_broken(p.report));
    Ok(if broken { ExitCode::from(EXIT_SLO_BROKEN) } else { ExitCode::SUCCESS })
}

/// Prints the man page, generated from the argument definitions.
fn man_page() -> Result<ExitCode, String> {
    let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
    let mut roff = Vec::new();
    page.render(&mut roff).map_err(|e| format!("cannot render the man page: {e}"))?;
    std::io::Write::write_all(&mut std::io::stdout(), &roff).map_err(|e| format!("standard output: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the exports `args` asks for of `reports`.
pub fn export(args: &crate::cli::ExportArgs, reports: &[&crate::report::Report]) -> Result<(), String> {
    let write = |path: &Path, text: String| {
        let tmp = path.with_extension("export.tmp");
        let fail = |e: std::io::Error| format!("{}: cannot write: {e}", path.display());
        fs::write(&tmp, text).map_err(fail)?;
        fs::rename(&tmp, path).map_err(fail)
    };
    if let Some(path) = &args.export_csv {
        write(path, report::export::configurations_csv(reports)?)?;
    }
    if let Some(path) = &args.export_markdown {
        write(path, report::export::markdown(reports))?;
    }
    Ok(())
}

/// Removes the files of `dir` that this run did not write (`written`), so
/// that every file in a report's folder belongs to that report; a
/// partition's `report.part-K-of-N.json` files, which `merge` reads, are
/// kept, and so are folders.
fn remove_stale(dir: &Path, written: &[&str]) -> Result<(), String> {
    let fail = |what: &str, p: &Path, e: std::io::Error| format!("{}: cannot {what}: {e}", p.display());
    for entry in fs::read_dir(dir).map_err(|e| fail("list folder", dir, e))? {
        let entry = entry.map_err(|e| fail("list folder", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map_err(|e| fail("inspect", &entry.path(), e))?.is_file();
        if is_file && !written.contains(&name.as_str()) && !name.starts_with("report.part-") {
            fs::remove_file(entry.path()).map_err(|e| fail("remove", &entry.path(), e))?;
        }
    }
    Ok(())
}

/// Refuses files whose `jobs` together, or any one configuration's state,
/// are too large (see the limits above). A slice of a run is judged by its
/// own jobs: spreading a run over machines is how a large one gets done.
pub fn refuse_absurd<'a>(loaded: &[Loaded], jobs: impl IntoIterator<Item = &'a Job>) -> Result<(), String> {
    // Runs of each configuration of each file.
    let mut runs: Vec<Vec<u32>> = loaded.iter().map(|l| vec![0; l.plan.points.len()]).collect();
    jobs.into_iter().for_each(|j| runs[j.file][j.point] += 1);
    let problems: Vec<String> = loaded
        .iter()
        .zip(&runs)
        .filter_map(|(l, runs)| {
            let estimates: Vec<_> = l
                .plan
                .points
                .iter()
                .zip(runs)
                .filter(|(_, n)| **n > 0)
                .map(|(p, n)| (estimate(&p.scenario), f64::from(*n)))
                .collect();
            let total = estimates.iter().map(|(e, n)| e.user_records * n).sum::<f64>();
            let s = l.first();
            let e = estimates.iter().map(|(e, _)| *e).reduce(|a, b| crate::sim::WorkEstimate {
                user_records: total,
                key_table_bytes: a.key_table_bytes.max(b.key_table_bytes),
                kpl_state_bytes: a.kpl_state_bytes.max(b.kpl_state_bytes),
            })?;
            let e = crate::sim::WorkEstimate { user_records: total, ..e };
            if e.user_records > MAX_USER_RECORDS {
                Some(format!(
                    "{}: about {:.1e} user records to simulate over all runs (limit {MAX_USER_RECORDS:.0e}); shorten duration_s, lower records_per_s or sweep fewer values, or pass --force",
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

/// Writes text to `<out>/<name>/<file>`; see [`write_bytes`].
pub fn write_file(out: &Path, name: &str, file: &str, contents: &str) -> Result<PathBuf, String> {
    write_bytes(out, name, file, contents.as_bytes())
}

/// Writes `<out>/<name>/<file>` via a temporary file and a rename, so an
/// interrupted run never leaves a half-written file.
pub fn write_bytes(out: &Path, name: &str, file: &str, contents: &[u8]) -> Result<PathBuf, String> {
    let dir = out.join(name);
    let fail = |what: &str, p: &Path, e: std::io::Error| format!("{}: cannot {what}: {e}", p.display());
    fs::create_dir_all(&dir).map_err(|e| fail("create folder", &dir, e))?;
    let path = dir.join(file);
    let tmp = dir.join(format!(".{file}.tmp"));
    let mut f = fs::File::create(&tmp).map_err(|e| fail("create", &tmp, e))?;
    f.write_all(contents).map_err(|e| fail("write", &tmp, e))?;
    f.sync_all().map_err(|e| fail("sync", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| fail("rename into place", &path, e))?;
    Ok(path)
}
