//! `shardsim import`: turns a stream's exports (CloudWatch metrics, a key
//! table, a list-shards map) into a commented starter scenario that refers
//! to those files, checked by loading it before it is written or printed.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::cli::ImportArgs;
use crate::import::keys::{self, KeyTable};
use crate::import::shards::{self, ShardTable};
use crate::import::trace::{self, Statistic, Trace, TraceFormat, TraceOptions};
use crate::report::table::thousands;
use crate::scenario::model::TraceGaps;
use crate::stream::limits;

/// What was read from one file, with the path the scenario will name.
struct Input<T> {
    /// As the scenario will spell it (relative to its folder).
    path: String,
    data: T,
}

/// Runs `shardsim import`.
pub(super) fn run(args: &ImportArgs) -> Result<(), String> {
    check_name(&args.name)?;
    let base = match &args.output {
        Some(out) => out.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => PathBuf::new(),
    };
    let read = |p: &Path| fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let name = |p: &Path| relative(p, &base);
    let options = TraceOptions {
        records: args.records.clone(),
        bytes: args.bytes.clone(),
        statistic: Statistic::Sum,
        period_s: None,
        strict: args.strict,
    };
    let metrics_text = read(&args.metrics)?;
    let bytes_text = args.bytes_metrics.as_deref().map(read).transpose()?;
    let trace = trace::parse(&metrics_text, bytes_text.as_deref(), &options)
        .map_err(|e| e.in_file(&args.metrics.display().to_string()))?;
    for w in &trace.warnings {
        eprintln!("warning: {}: {w}", args.metrics.display());
    }
    let metrics = Input { path: name(&args.metrics)?, data: trace };
    let bytes_file = args.bytes_metrics.as_deref().map(name).transpose()?;
    let keys = match &args.keys {
        Some(p) => Some(Input {
            path: name(p)?,
            data: keys::parse(&read(p)?).map_err(|e| e.in_file(&p.display().to_string()))?,
        }),
        None => None,
    };
    let shards = match &args.shards {
        Some(p) => Some(Input {
            path: name(p)?,
            data: shards::parse(&read(p)?).map_err(|e| e.in_file(&p.display().to_string()))?,
        }),
        None => None,
    };
    let text = render(
        &args.name,
        &metrics,
        bytes_file.as_deref(),
        &options,
        keys.as_ref(),
        shards.as_ref(),
        args.output.is_some(),
    );
    // Load what was written, reading its files as `check` would.
    let scenario_path = args.output.clone().unwrap_or_else(|| PathBuf::from(format!("{}.toml", args.name)));
    let files = Rc::new(super::data_files(&scenario_path, args.strict));
    crate::scenario::load_plan_with(&scenario_path.display().to_string(), &text, &[], &[], None, files)
        .map_err(|e| format!("internal error: the generated scenario does not load:\n{e}"))?;
    match &args.output {
        Some(out) => {
            let tmp = out.with_extension("toml.tmp");
            fs::write(&tmp, &text).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
            fs::rename(&tmp, out).map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
            eprintln!("wrote {}; check it with `shardsim check {}`", out.display(), out.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// A scenario name names the report folder.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    match ok {
        true => Ok(()),
        false => {
            Err(format!("--name {name:?}: use 1 to 100 letters, digits, `.`, `_` and `-` (it names the report folder)"))
        }
    }
}

/// `file` as seen from folder `base` (both as given, made absolute from
/// the working directory).
fn relative(file: &Path, base: &Path) -> Result<String, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let absolute = |p: &Path| -> PathBuf {
        let joined = cwd.join(p);
        let mut out = PathBuf::new();
        for c in joined.components() {
            match c {
                Component::ParentDir => {
                    out.pop();
                }
                Component::CurDir => {}
                c => out.push(c),
            }
        }
        out
    };
    let (file, base) = (absolute(file), absolute(base));
    let common = file.components().zip(base.components()).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in base.components().skip(common) {
        rel.push("..");
    }
    for c in file.components().skip(common) {
        rel.push(c);
    }
    rel.to_str().map(|s| s.replace('\\', "/")).ok_or_else(|| format!("{}: the path is not UTF-8", file.display()))
}

/// A TOML string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn format_name(f: TraceFormat) -> &'static str {
    match f {
        TraceFormat::Csv => "CSV",
        TraceFormat::GetMetricData => "get-metric-data",
        TraceFormat::GetMetricStatistics => "get-metric-statistics",
    }
}

/// Figures of a trace: (length s, min, mean, peak records/s, mean bytes).
fn trace_figures(t: &Trace) -> (f64, f64, f64, f64, Option<f64>) {
    // Missing points count as zero, as the scenario replays them.
    let (length, mean) = crate::workload::trace::span_and_mean(t, TraceGaps::Zero);
    let rates = t.points.iter().map(|p| p.records_per_s);
    let min = rates.clone().fold(f64::INFINITY, f64::min);
    let peak = rates.fold(0.0, f64::max);
    (length.as_secs_f64(), min, mean, peak, crate::workload::trace::mean_record_bytes(t))
}

fn render(
    name: &str,
    metrics: &Input<Trace>,
    bytes_file: Option<&str>,
    options: &TraceOptions,
    keys: Option<&Input<KeyTable>>,
    shards: Option<&Input<ShardTable>>,
    beside_files: bool,
) -> String {
    let t = &metrics.data;
    let (length, min, mean, peak, size) = trace_figures(t);
    let missing = ((length / t.period_s).round() as usize).saturating_sub(t.points.len());
    let mut out = format!("# {name} — a starting scenario written by `shardsim import` from your exports.\n#\n");
    out += &format!(
        "# metrics: {} ({}, {} points of {} s over {:.1} h, {} missing: replayed as no records)\n",
        metrics.path,
        format_name(t.format),
        thousands(t.points.len() as u64),
        t.period_s,
        length / 3_600.0,
        thousands(missing as u64)
    );
    out += &format!(
        "#   records/s: lowest {}, mean {}, busiest period {}",
        thousands(min.round() as u64),
        thousands(mean.round() as u64),
        thousands(peak.round() as u64)
    );
    match size {
        Some(b) => out += &format!("; mean record {} bytes\n", thousands(b.round() as u64)),
        None => out += "; no bytes in the export (record_bytes below sets the size)\n",
    }
    if let Some(k) = keys {
        let total: f64 = k.data.keys.iter().map(|c| c.count).sum();
        let top = k.data.keys.iter().max_by(|a, b| a.count.total_cmp(&b.count));
        out += &format!("# keys: {} ({} keys", k.path, thousands(k.data.keys.len() as u64));
        if let Some(top) = top {
            out += &format!("; the busiest, {}, has {:.1} % of records", top.key, 100.0 * top.count / total);
            let hash = top.hash_key.unwrap_or_else(|| crate::stream::hash::hash_key(top.key.as_bytes()));
            if let Some(shard) = shards.and_then(|s| s.data.shards.iter().find(|x| x.start <= hash && hash <= x.end)) {
                out += &format!(" and hashes to {}", shard.id);
            }
        }
        out += ")\n";
    }
    if let Some(s) = shards {
        out += &format!(
            "# shards: {} ({} open shards{}; {} closed ones left out)\n",
            s.path,
            s.data.shards.len(),
            s.data.stream_name.as_deref().map(|n| format!(" of stream {n}")).unwrap_or_default(),
            s.data.closed
        );
    }
    out += match beside_files {
        true => "#\n# Paths are relative to this file's folder. Check it with `shardsim check`, then\n",
        false => {
            "#\n# Paths are relative to the folder `shardsim import` ran in: save this file there.\n# Check it with `shardsim check`, then\n"
        }
    };
    out += "# `shardsim run` it; every key is described in shardsim's docs/scenario.md.\n\n";
    out += &format!("[scenario]\nname = {}\nseed = 1\n", quoted(name));
    out += &format!("duration_s = {}                # the whole trace\n\n[stream]\n", length.ceil() as u64);
    let shard_records = limits::SHARD_WRITE_RECORDS_PER_S as f64;
    let shard_bytes = limits::SHARD_WRITE_BYTES_PER_S as f64;
    let needed = (peak / shard_records).max(peak * size.unwrap_or(0.0) / shard_bytes).ceil().max(1.0) as u64;
    match shards {
        Some(s) => {
            out += &format!("shards_file = {}\n", quoted(&s.path));
            out += &format!(
                "# Your stream's {} shards, as they are. The busiest period needs at least {needed} shards' limits\n",
                s.data.shards.len()
            );
            out += "# if its keys spread evenly; hot keys or an uneven map need more.\n";
        }
        None => {
            out += &format!("shard_count = {needed}\n");
            out += "# The fewest shards whose limits hold the busiest period if its keys spread\n";
            out += "# evenly; hot keys need more. `shardsim recommend` finds the count that meets an [slo].\n";
        }
    }
    out += "\n[[producers]]\nname = \"replay\"\nclient = \"sdk\"\n";
    out += "instances = 4                  # how many producer processes you run\n";
    let mut pattern = format!("{{ kind = \"trace\", file = {}", quoted(&metrics.path));
    if let Some(r) = &options.records {
        pattern += &format!(", records = {}", quoted(r));
    }
    if let Some(b) = &options.bytes {
        pattern += &format!(", bytes = {}", quoted(b));
    }
    if let Some(b) = bytes_file {
        pattern += &format!(", bytes_file = {}", quoted(b));
    }
    pattern += " }";
    out += &format!("rate_pattern = {pattern}\n");
    out += "# Within a minute records arrive as a Poisson process; add peak_to_mean and burst_s\n";
    out += "# to the trace if your traffic comes in bursts.\n";
    let bytes = size.map_or(1_024, |b| b.round().clamp(1.0, limits::MAX_RECORD_DATA_BYTES as f64) as u64);
    out += &format!("record_bytes = {{ dist = \"fixed\", bytes = {bytes} }}");
    out += match size {
        Some(_) => "   # scaled each period to the export's mean size\n",
        None => "   # the export has no IncomingBytes: set your size\n",
    };
    match keys {
        Some(k) => out += &format!("partition_key = {{ dist = \"empirical\", file = {} }}\n", quoted(&k.path)),
        None => {
            out += "partition_key = { dist = \"uniform\", keys = 10000 }\n";
            out += "# No key table: keys spread evenly. Export one (e.g. the Kinesis Hot Shard Advisor\n";
            out += "# with -aggregate-keys) and use { dist = \"empirical\", file = \"keys.csv\" }.\n";
        }
    }
    out += "\n[producers.sdk]\napi = \"put_records\"\nlinger_ms = 50\nmax_attempts = 10\n";
    out
}
