//! The keys that bring users' own traffic in: `rate_pattern = { kind =
//! "trace" }`, `partition_key = { dist = "empirical" }`, `partition_key.salt`
//! and `[stream].shards_file`. Each names a data file, which is read and
//! parsed here (once per load, see `scenario::files`); a problem in the
//! file is reported at the key that names it, with the file's own place.

use super::{Interval, TableReader, Val};
use crate::import::trace::{Statistic, TraceOptions};
use crate::scenario::model::{
    EmpiricalKeys, FileRef, ImportedShards, KeyDist, KeySalt, RatePattern, SaltedKeys, TraceEnd, TraceGaps, TraceSpec,
};
use crate::scenario::tree::{Origin, Value, fmt_float, quote};
use crate::stream::limits;
use crate::time::SimTime;
use crate::workload::keys::{other_key, population_key};

/// Longest data file path.
const PATH_MAX_CHARS: usize = 4_096;
/// `other_keys` when absent.
const DEFAULT_OTHER_KEYS: u32 = 10_000;
/// Most `other_keys`.
const MAX_OTHER_KEYS: u32 = 10_000_000;
/// `salt.suffixes`: at least two (one suffix only renames the key).
const MAX_SUFFIXES: u32 = 10_000;
/// `salt.hot_above` when absent: half a shard's write limit.
const DEFAULT_HOT_ABOVE: f64 = 0.5;
/// `salt.separator`: short.
const SEPARATOR_MAX_CHARS: usize = 16;

/// A data file's path, remembering whether `--set` gave it.
fn file_ref(v: &Val<'_>) -> Option<FileRef> {
    let path = v.text(PATH_MAX_CHARS)?;
    Some(FileRef { path, from_command_line: matches!(v.node.origin, Origin::Set(_)) })
}

/// Reads the file `v` names with `parse`, reporting at `v`.
fn parsed<T>(v: Val<'_>, parse: impl FnOnce(&FileRef) -> Result<T, String>) -> Option<(FileRef, T)> {
    let file = file_ref(&v)?;
    match parse(&file) {
        Ok(data) => Some((file, data)),
        Err(message) => {
            v.error(message);
            None
        }
    }
}

/// `rate_pattern = { kind = "trace", file, … }`.
pub(super) fn trace(t: &mut TableReader<'_>) -> Option<RatePattern> {
    let records = t.opt("records", None, |v| v.text(256).map(Some));
    let bytes = t.opt("bytes", None, |v| v.text(256).map(Some));
    let statistic = t.opt("statistic", Statistic::Sum, |v| {
        v.choice(&[("Sum", Statistic::Sum), ("Average", Statistic::Average)], &[])
    });
    let period_s = t.opt("period_s", None, |v| v.float(Interval::POSITIVE).map(Some));
    let bytes_file = t.opt("bytes_file", None, |v| file_ref(&v).map(Some));
    let scale = t.opt("scale", 1.0, |v| v.float(Interval::POSITIVE));
    let gaps =
        t.opt("gaps", TraceGaps::Zero, |v| v.choice(&[("zero", TraceGaps::Zero), ("hold", TraceGaps::Hold)], &[]));
    let at_end =
        t.opt("at_end", TraceEnd::Stop, |v| v.choice(&[("stop", TraceEnd::Stop), ("loop", TraceEnd::Loop)], &[]));
    let peak_to_mean = t.opt("peak_to_mean", 1.0, |v| v.float(Interval::at_least(1.0, false)));
    let burst = t.opt("burst_s", SimTime::from_secs(1), |v| v.secs(Interval::POSITIVE));
    let options =
        TraceOptions { records: records?, bytes: bytes?, statistic: statistic?, period_s: period_s?, strict: false };
    let bytes_file = bytes_file?;
    let files = t.sink_files();
    let what = "the trace file (CSV or CloudWatch JSON)";
    let (file, trace) = required_file(t, what, |f| files.trace(f, bytes_file.as_ref(), &options))?;
    let (peak_to_mean, burst) = (peak_to_mean?, burst?);
    if peak_to_mean * burst.as_secs_f64() > trace.period_s {
        t.fail_at(
            &["peak_to_mean", "burst_s"],
            format!(
                "a burst of {} s at {} times the mean does not fit in the trace's {} s period: \
                 peak_to_mean × burst_s must be <= the period",
                fmt_float(burst.as_secs_f64()),
                fmt_float(peak_to_mean),
                fmt_float(trace.period_s)
            ),
        );
        return None;
    }
    let spec = TraceSpec { file, bytes_file, trace, scale: scale?, gaps: gaps?, at_end: at_end?, peak_to_mean, burst };
    if crate::workload::trace::mean_records_per_s(&spec) <= 0.0 {
        t.fail_at(&["file"], format!("{}: the trace has no records: every rate is 0", spec.file.path));
        return None;
    }
    Some(RatePattern::Trace(spec))
}

/// `partition_key = { dist = "empirical", file, other_share, other_keys }`.
pub(super) fn empirical(t: &mut TableReader<'_>) -> Option<KeyDist> {
    let files = t.sink_files();
    let table = required_file(t, "the key table (CSV or JSON)", |f| files.keys(f));
    let other_share =
        t.opt("other_share", 0.0, |v| v.float(Interval { max: 1.0, max_open: true, ..Interval::NON_NEGATIVE }));
    let other_keys = t.opt("other_keys", DEFAULT_OTHER_KEYS, |v| v.int(1, MAX_OTHER_KEYS));
    let ((file, table), other_share, other_keys) = (table?, other_share?, other_keys?);
    if other_share == 0.0 && t.has("other_keys") {
        t.fail_at(&["other_keys"], "applies to the traffic outside the table: set other_share > 0 too".into());
        return None;
    }
    if other_share > 0.0
        && let Some(k) = table.keys.iter().find(|k| synthetic_index(&k.key).is_some_and(|i| i < other_keys))
    {
        t.fail_at(
            &["other_keys"],
            format!(
                "{}: key {} is also the spelling of one of the {other_keys} synthetic keys of other_share \
                 (other-0 … other-{})",
                file.path,
                quote(&k.key),
                other_keys - 1
            ),
        );
        return None;
    }
    Some(KeyDist::Empirical(EmpiricalKeys { file, table, other_share, other_keys }))
}

/// `k` of `other-{k}`.
fn synthetic_index(key: &str) -> Option<u32> {
    let k: u32 = key.strip_prefix("other-")?.parse().ok()?;
    (other_key(k) == key).then_some(k)
}

/// `partition_key.salt = { keys, suffixes, separator, hot_above }`.
pub(super) fn salt(v: Val<'_>) -> Option<KeySalt> {
    v.read_table(|t| {
        let keys = t.req("keys", salted_keys);
        let suffixes = t.req("suffixes", |v| v.int(2, MAX_SUFFIXES));
        let separator = t.opt("separator", "#".to_string(), |v| v.text(SEPARATOR_MAX_CHARS));
        let hot_above = t.opt("hot_above", DEFAULT_HOT_ABOVE, |v| {
            v.float(Interval { max: 10.0, max_open: false, ..Interval::POSITIVE })
        });
        let keys = keys?;
        if t.has("hot_above") && keys != SaltedKeys::Hot {
            t.fail_at(&["hot_above"], "applies only to keys = \"hot\"".into());
            return None;
        }
        Some(KeySalt { keys, suffixes: suffixes?, separator: separator?, hot_above: hot_above? })
    })
}

fn salted_keys(v: Val<'_>) -> Option<SaltedKeys> {
    match &v.node.value {
        Value::Str(s) if s == "hot" => Some(SaltedKeys::Hot),
        Value::Str(s) if s == "all" => Some(SaltedKeys::All),
        Value::Array(items) if !items.is_empty() => {
            let keys: Vec<Option<String>> =
                items.iter().enumerate().map(|(i, n)| v.item(i, n).text(limits::PARTITION_KEY_MAX_CHARS)).collect();
            keys.into_iter().collect::<Option<Vec<String>>>().map(SaltedKeys::Listed)
        }
        _ => {
            v.expected("\"hot\", \"all\" or a non-empty array of keys");
            None
        }
    }
}

/// Whether `salt` can apply to `dist`: a finite population holding every
/// listed key, salted keys within AWS's 256 characters. Reported at
/// `salt` in `t` (the `partition_key` table).
pub(super) fn check_salt(t: &TableReader<'_>, dist: &KeyDist, salt: &KeySalt) -> bool {
    let fail = |message: String| {
        t.fail_at(&["salt"], message);
        false
    };
    if matches!(dist, KeyDist::Unique | KeyDist::RandomHash) {
        return fail(format!(
            "salting needs keys drawn from a finite set; {} keys are {}",
            dist.label(),
            if matches!(dist, KeyDist::Unique) {
                "all distinct already"
            } else {
                "explicit hash keys, spread evenly already"
            }
        ));
    }
    let listed = match &salt.keys {
        SaltedKeys::Listed(keys) => keys.as_slice(),
        SaltedKeys::Hot | SaltedKeys::All => &[],
    };
    for key in listed {
        if !has_key(dist, key) {
            return fail(format!(
                "key {} is not one of the {} distribution's keys ({})",
                quote(key),
                dist.label(),
                spellings(dist)
            ));
        }
    }
    let longest = match (&salt.keys, dist) {
        (SaltedKeys::Listed(keys), _) => keys.iter().map(|k| k.chars().count()).max().unwrap_or(0),
        (_, KeyDist::Empirical(e)) => e.table.keys.iter().map(|k| k.key.chars().count()).max().unwrap_or(0),
        (_, KeyDist::Fixed { key }) => key.chars().count(),
        (_, KeyDist::Uniform { keys } | KeyDist::Zipf { keys, .. } | KeyDist::Hot { keys, .. }) => {
            population_key(u64::from(*keys) - 1).len()
        }
        _ => 0,
    };
    let digits = (salt.suffixes - 1).to_string().len();
    let salted = longest + salt.separator.chars().count() + digits;
    if salted > limits::PARTITION_KEY_MAX_CHARS {
        return fail(format!(
            "a salted key would be {salted} characters (key, separator and suffix); AWS allows {}",
            limits::PARTITION_KEY_MAX_CHARS
        ));
    }
    true
}

/// Whether `key` is one of `dist`'s keys.
fn has_key(dist: &KeyDist, key: &str) -> bool {
    let population = |n: u32| {
        key.strip_prefix("key-")
            .and_then(|d| d.parse::<u64>().ok())
            .is_some_and(|k| k < u64::from(n) && population_key(k) == key)
    };
    match dist {
        KeyDist::Uniform { keys } | KeyDist::Zipf { keys, .. } | KeyDist::Hot { keys, .. } => population(*keys),
        KeyDist::Fixed { key: k } => k == key,
        KeyDist::Empirical(e) => {
            e.table.keys.iter().any(|k| k.key == key)
                || (e.other_share > 0.0 && synthetic_index(key).is_some_and(|i| i < e.other_keys))
        }
        KeyDist::Unique | KeyDist::RandomHash => false,
    }
}

/// How `dist`'s keys are spelled, for messages.
fn spellings(dist: &KeyDist) -> String {
    match dist {
        KeyDist::Uniform { keys } | KeyDist::Zipf { keys, .. } | KeyDist::Hot { keys, .. } => {
            format!("key-0 … key-{}", keys - 1)
        }
        KeyDist::Fixed { key } => quote(key),
        KeyDist::Empirical(e) => format!("the keys of {}", e.file.path),
        KeyDist::Unique | KeyDist::RandomHash => String::new(),
    }
}

/// `[stream].shards_file`.
pub(super) fn shards_file(t: &mut TableReader<'_>) -> Option<Option<ImportedShards>> {
    let files = t.sink_files();
    let Some(v) = t.take("shards_file") else { return Some(None) };
    let (file, table) = parsed(v, |f| files.shards(f))?;
    Some(Some(ImportedShards { file, table }))
}

/// The required `file` key, read with `parse`; `what` names it when absent.
fn required_file<T>(
    t: &mut TableReader<'_>,
    what: &str,
    parse: impl FnOnce(&FileRef) -> Result<T, String>,
) -> Option<(FileRef, T)> {
    match t.take("file") {
        Some(v) => parsed(v, parse),
        None => {
            t.missing("file", format!("missing required key: {what}"));
            None
        }
    }
}
