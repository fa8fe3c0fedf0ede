//! Helpers shared by the integration tests.

use shardsim::cost::prices::PriceTable;
use shardsim::report::Report;
use shardsim::scenario::model::Scenario;
use shardsim::sim::{RunOutcome, simulate};

/// Loads a scenario from TOML text (panics with the loader's message).
pub fn scenario(text: &str) -> Scenario {
    match shardsim::scenario::load("test.toml", text, &[]) {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// Loads and runs a scenario with its own seed.
pub fn run(text: &str) -> (Scenario, RunOutcome) {
    let s = scenario(text);
    let o = simulate(&s, s.seed, 0);
    (s, o)
}

/// Loads, runs and reports a scenario (built-in prices with its
/// `[pricing]` rates).
pub fn report(text: &str) -> Report {
    let (s, o) = run(text);
    Report::single(&s, s.seed, &o, &prices(&s))
}

/// The one point of a scenario's report.
pub fn point(text: &str) -> shardsim::report::Point {
    report(text).points.remove(0)
}

/// Every record of a point is accounted for: put, dropped or in flight on
/// the producers' side; delivered (stored copies apart), expired or unread
/// on each reader's.
pub fn assert_conserved(p: &shardsim::report::Point) {
    let f = &p.producers.total;
    assert_eq!(f.user_records, f.records_put + f.records_dropped + p.producers.records_in_flight, "{f:?}");
    let stored = f.records_put + f.duplicates_put;
    for c in &p.consumers {
        assert_eq!(c.records_delivered + c.duplicates_stored + c.records_expired + c.records_unread, stored, "{c:?}");
    }
}

/// The built-in price table with the scenario's `[pricing]` rates.
pub fn prices(s: &Scenario) -> PriceTable {
    assert!(s.pricing.file.is_none(), "tests with a price table file go through app::prices_for");
    shardsim::scenario::built_in_prices().with_overrides(&s.pricing.overrides)
}

/// The shardsim binary, run from the repository root.
pub fn shardsim() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shardsim");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// The variables `run --partition auto` reads a slice from.
pub const SCHEDULER_VARS: [&str; 8] = [
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "AWS_BATCH_JOB_ARRAY_SIZE",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
    "SHARDSIM_PARTITIONS",
];

/// [`shardsim`] with none of [`SCHEDULER_VARS`] in its environment, as if
/// no scheduler had started it (the tests may run inside one).
pub fn shardsim_outside_a_scheduler() -> assert_cmd::Command {
    let mut cmd = shardsim();
    for v in SCHEDULER_VARS {
        cmd.env_remove(v);
    }
    cmd
}

/// `[producers.sdk]` or `[producers.kpl]` lines making every request
/// answered the instant it is sent, so a test of the shards' limits or the
/// read path sees them alone (each client's own tests set latencies).
pub const INSTANT_REQUESTS: &str = "request_latency_ms = { dist = \"fixed\", ms = 0 }";

/// A one-producer scenario running `duration_s`, with the given `[stream]`,
/// producer and `[producers.sdk]` lines (TOML); requests are answered
/// instantly unless `sdk` sets `request_latency_ms`.
pub fn one_producer(stream: &str, duration_s: u32, producer: &str, sdk: &str) -> String {
    let instant = if sdk.contains("request_latency_ms") { "" } else { INSTANT_REQUESTS };
    format!(
        "[scenario]\nname = \"t\"\nseed = 11\nduration_s = {duration_s}\n\
         [stream]\n{stream}\n\
         [[producers]]\nname = \"p\"\n{producer}\n\
         [producers.sdk]\n{sdk}\n{instant}\n"
    )
}

/// `shards` shards, one constant producer through PutRecord (no client-side
/// buffering, requests answered instantly, 200-byte records over 10,000
/// uniform keys), and the given `[[consumers]]` tables.
pub fn consumer_scenario(shards: u32, records_per_s: u32, duration_s: u32, retention: &str, consumers: &str) -> String {
    format!(
        "[scenario]\nname = \"c\"\nseed = 3\nduration_s = {duration_s}\n\
         [stream]\nshard_count = {shards}\n{retention}\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = {records_per_s}\narrival = \"constant\"\n\
         record_bytes = {{ dist = \"fixed\", bytes = 200 }}\n\
         [producers.sdk]\napi = \"put_record\"\n{INSTANT_REQUESTS}\n{consumers}"
    )
}

/// One `[[consumers]]` table of `kind` with extra TOML lines.
pub fn consumer(kind: &str, name: &str, extra: &str) -> String {
    format!("[[consumers]]\nname = \"{name}\"\nkind = \"{kind}\"\n{extra}\n")
}

/// Every scenario file under `scenarios/` (its subfolders too), sorted.
pub fn shipped_scenarios() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), &mut files);
    files.sort();
    files
}

/// The plan of the scenario file at `path`, reading its data files beside it.
pub fn shipped_plan(path: &std::path::Path, text: &str, overrides: &[String]) -> shardsim::scenario::model::Plan {
    let files = std::rc::Rc::new(shardsim::app::data_files(path, false));
    shardsim::scenario::load_plan_with(&path.display().to_string(), text, overrides, &[], Some(1), files)
        .unwrap_or_else(|e| panic!("{}:\n{e}", path.display()))
}

/// `--set` overrides that run scenario `full` on a short horizon: 10 s
/// without warm-up; an on-demand stream gets 150 s, since its service
/// judges whole minutes, with a 5-s split delay; a resharding schedule is
/// squeezed in, one call a second with 1-s steps; fault windows too.
pub fn short_horizon(full: &Scenario) -> Vec<String> {
    let mut short = vec!["scenario.duration_s=10".to_string(), "scenario.warmup_s=0".to_string()];
    if full.stream.on_demand.is_some() {
        short[0] = "scenario.duration_s=150".to_string();
        short.push("stream.on_demand.split_delay_s=5".to_string());
    } else if full.stream.reshards() {
        short.push("stream.reshard_op_s=1".to_string());
        short.extend((0..full.stream.reshard.len()).map(|k| format!("stream.reshard.{k}.at_s={}", k + 1)));
    }
    // Fault windows from 2 s to 8 s, so that the short run meets them.
    for k in 0..full.faults.len() {
        short.push(format!("faults.{k}.from_s=2"));
        short.push(format!("faults.{k}.to_s=8"));
    }
    short
}

/// Splits a shell line into words: quotes removed, `\` escapes, an unquoted
/// `#` starting a word ends the line. Expansions stay as written.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}
