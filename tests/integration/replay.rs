//! Replaying users' own traffic: rate traces, empirical key tables, imported
//! shard maps and key salting, each against an independent computation
//! (MD5 by the `md-5` crate over the ranges the test writes, Poisson
//! counts), and every bad input refused with exit 2 at its place.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use md5::{Digest, Md5};
use shardsim::report::Report;
use shardsim::scenario::model::Scenario;
use shardsim::sim::simulate;

use crate::common::shardsim;

/// Writes `files` (name, text) and `scenario.toml` into `dir`.
fn write(dir: &Path, scenario: &str, files: &[(&str, &str)]) {
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
    fs::write(dir.join("scenario.toml"), scenario).unwrap();
}

/// Loads `dir/scenario.toml`, reading its data files beside it.
fn load(dir: &Path) -> Scenario {
    let path = dir.join("scenario.toml");
    let text = fs::read_to_string(&path).unwrap();
    let files = std::rc::Rc::new(shardsim::app::data_files(&path, false));
    shardsim::scenario::load_plan_with("scenario.toml", &text, &[], &[], None, files)
        .unwrap_or_else(|e| panic!("{e}"))
        .points
        .swap_remove(0)
        .scenario
}

fn report(s: &Scenario) -> Report {
    let o = simulate(s, s.seed, 0);
    Report::single(s, s.seed, &o, &shardsim::scenario::built_in_prices())
}

/// A scenario of one SDK producer with the given stream and producer lines.
fn scenario(duration_s: u32, stream: &str, producer: &str) -> String {
    format!(
        "[scenario]\nname = \"replay\"\nseed = 5\nduration_s = {duration_s}\n\
         [stream]\n{stream}\n\
         [[producers]]\nname = \"p\"\ninstances = 4\nrecord_bytes = {{ dist = \"fixed\", bytes = 100 }}\n{producer}\n"
    )
}

/// The hash key of `key`, computed here with the `md-5` crate.
fn md5_hash(key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(key.as_bytes()).into())
}

/// An uneven 5-shard map (starts as fractions of the space) as
/// `list-shards` prints it, with a closed parent listed too.
const UNEVEN: [(&str, u128, u128); 5] = [
    ("shardId-000000000000", 0, u128::MAX / 8),
    ("shardId-000000000003", u128::MAX / 8 + 1, u128::MAX / 4),
    ("shardId-000000000004", u128::MAX / 4 + 1, u128::MAX / 2),
    ("shardId-000000000002", u128::MAX / 2 + 1, u128::MAX / 10 * 9),
    ("shardId-000000000005", u128::MAX / 10 * 9 + 1, u128::MAX),
];

fn list_shards(shards: &[(&str, u128, u128)]) -> String {
    let open: Vec<String> = shards
        .iter()
        .map(|(id, start, end)| {
            format!(
                "{{\"ShardId\": \"{id}\", \"HashKeyRange\": {{\"StartingHashKey\": \"{start}\", \
                 \"EndingHashKey\": \"{end}\"}}, \"SequenceNumberRange\": {{\"StartingSequenceNumber\": \"4959\"}}}}"
            )
        })
        .collect();
    let closed = format!(
        "{{\"ShardId\": \"shardId-000000000001\", \"HashKeyRange\": {{\"StartingHashKey\": \"{}\", \
         \"EndingHashKey\": \"{}\"}}, \"SequenceNumberRange\": {{\"StartingSequenceNumber\": \"4958\", \
         \"EndingSequenceNumber\": \"4959\"}}}}",
        u128::MAX / 8 + 1,
        u128::MAX / 2
    );
    format!("{{\"Shards\": [{closed}, {}]}}", open.join(", "))
}

fn shard_of(hash: u128, shards: &[(&str, u128, u128)]) -> usize {
    shards.iter().position(|(_, s, e)| *s <= hash && hash <= *e).unwrap()
}

#[test]
fn a_stepped_trace_gives_each_minute_its_poisson_count() {
    let dir = tempfile::tempdir().unwrap();
    // Rows out of order; 2,000 records/s for a minute, then 6,000.
    let trace = "time_s,records_per_s\n60,6000\n0,2000\n";
    write(
        dir.path(),
        &scenario(180, "shard_count = 20", "rate_pattern = { kind = \"trace\", file = \"t.csv\" }"),
        &[("t.csv", trace)],
    );
    let s = load(dir.path());
    assert_eq!(s.producers[0].records_per_s, 4_000.0);
    let r = report(&s);
    let ts = &r.points[0].timeseries;
    let minute = |m: usize| -> u64 {
        let per = (60 / ts.bucket_s) as usize;
        ts.user_records[m * per..(m + 1) * per].iter().sum()
    };
    // Poisson: 120,000 ± 5·346 and 360,000 ± 5·600; the trace then stops.
    assert!((minute(0) as f64 - 120_000.0).abs() < 1_750.0, "{}", minute(0));
    assert!((minute(1) as f64 - 360_000.0).abs() < 3_000.0, "{}", minute(1));
    assert_eq!(minute(2), 0);
    assert_eq!(r.points[0].producers.per_producer[0].workload.rate, "trace:t.csv");
}

#[test]
fn cloudwatch_json_in_any_order_replays_as_its_sorted_csv_twin() {
    let dir = tempfile::tempdir().unwrap();
    // Minute 2 (22:12) is missing; newest first, as get-metric-data prints.
    let json = r#"{"MetricDataResults": [
      {"Id": "r", "Label": "IncomingRecords", "StatusCode": "Complete", "Messages": [],
       "Timestamps": ["2024-09-29T22:13:00+00:00", "2024-09-29T22:11:00+00:00", "2024-09-29T22:10:00+00:00"],
       "Values": [180000.0, 60000.0, 120000.0]},
      {"Id": "b", "Label": "IncomingBytes", "StatusCode": "Complete", "Messages": [],
       "Timestamps": ["2024-09-29T22:11:00Z", "2024-09-29T22:13:00Z", "2024-09-29T22:10:00Z"],
       "Values": [30000000.0, 180000000.0, 60000000.0]}],
     "Messages": []}"#;
    let csv = "time_s,records_per_s,bytes_per_s\n0,2000,1000000\n60,1000,500000\n180,3000,3000000\n";
    let stats = r#"{"Label": "IncomingRecords", "Datapoints": [
      {"Timestamp": "2024-09-29T22:11:00Z", "Sum": 60000.0, "Unit": "Count"},
      {"Timestamp": "2024-09-29T22:13:00Z", "Sum": 180000.0, "Unit": "Count"},
      {"Timestamp": "2024-09-29T22:10:00Z", "Sum": 120000.0, "Unit": "Count"}]}"#;
    let bytes = r#"{"Label": "IncomingBytes", "Datapoints": [
      {"Timestamp": 1727647860, "Sum": 30000000.0, "Unit": "Bytes"},
      {"Timestamp": 1727647980, "Sum": 180000000.0, "Unit": "Bytes"},
      {"Timestamp": 1727647800, "Sum": 60000000.0, "Unit": "Bytes"}]}"#;
    let files = [("m.json", json), ("t.csv", csv), ("s.json", stats), ("b.json", bytes)];
    let figures = |pattern: &str| {
        write(dir.path(), &scenario(240, "shard_count = 20", &format!("rate_pattern = {pattern}")), &files);
        let r = report(&load(dir.path()));
        let p = &r.points[0];
        (serde_json::to_string(&p.producers.total).unwrap(), p.timeseries.user_records.clone(), p.stream.incoming_bytes)
    };
    let csv_figures = figures("{ kind = \"trace\", file = \"t.csv\" }");
    assert_eq!(figures("{ kind = \"trace\", file = \"m.json\" }"), csv_figures);
    assert_eq!(figures("{ kind = \"trace\", file = \"s.json\", bytes_file = \"b.json\" }"), csv_figures);
    // 500 data bytes a record in the first minute (100-byte draws scaled
    // ×5), 500 in the second, 1,000 in the last; each plus its key.
    let (_, user, bytes) = csv_figures;
    let records: u64 = user.iter().sum();
    let mean = bytes as f64 / records as f64;
    let expected = (120_000.0 * 500.0 + 60_000.0 * 500.0 + 180_000.0 * 1_000.0) / 360_000.0;
    assert!((mean - expected).abs() < 0.02 * expected + 10.0, "{mean} vs {expected}");
}

#[test]
fn a_real_hot_key_lands_on_its_real_shard_under_an_imported_map() {
    let dir = tempfile::tempdir().unwrap();
    // tenant-hot has 40 % of the count; 300 other tenants share the rest.
    let mut keys = String::from("partition_key,count\n\"tenant-hot\",4000\n");
    for k in 0..300 {
        keys += &format!("tenant-{k},20\n");
    }
    write(
        dir.path(),
        &scenario(
            60,
            "shards_file = \"shards.json\"",
            "records_per_s = 1000\npartition_key = { dist = \"empirical\", file = \"keys.csv\" }",
        ),
        &[("keys.csv", &keys), ("shards.json", &list_shards(&UNEVEN))],
    );
    let s = load(dir.path());
    assert_eq!(s.stream.shard_count, 5);
    let r = report(&s);
    let shards = &r.points[0].shards;
    let ids: Vec<&str> = shards.iter().map(|x| x.shard_id.as_str()).collect();
    assert_eq!(ids, UNEVEN.iter().map(|u| u.0).collect::<Vec<_>>());
    // Each shard's expected share, from the md-5 crate and the ranges above.
    let mut expected = [0.0f64; 5];
    expected[shard_of(md5_hash("tenant-hot"), &UNEVEN)] += 0.4;
    for k in 0..300 {
        expected[shard_of(md5_hash(&format!("tenant-{k}")), &UNEVEN)] += 0.6 / 300.0;
    }
    let total: u64 = shards.iter().map(|x| x.incoming_records).sum();
    assert!(total > 58_000, "{total}");
    for (i, x) in shards.iter().enumerate() {
        let share = x.incoming_records as f64 / total as f64;
        // Binomial sd ≤ 0.002 at 60,000 records: 5 sd.
        assert!((share - expected[i]).abs() < 0.01, "{}: {share} vs {}", x.shard_id, expected[i]);
    }
    assert_eq!(r.points[0].producers.per_producer[0].workload.keys, "empirical:keys.csv");
    let hot = shard_of(md5_hash("tenant-hot"), &UNEVEN);
    assert!(expected[hot] >= 0.4 && shards[hot].incoming_records as f64 / total as f64 > 0.39);
}

#[test]
fn salting_a_hot_key_spreads_it_over_its_salted_keys_shards_and_no_others() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &scenario(
            20,
            "shard_count = 16",
            "records_per_s = 2000\npartition_key = { dist = \"fixed\", key = \"tenant-7\", \
             salt = { keys = [\"tenant-7\"], suffixes = 8 } }",
        ),
        &[],
    );
    let s = load(dir.path());
    let r = report(&s);
    let ranges = shardsim::stream::hash::initial_ranges(16);
    let expected: BTreeSet<usize> = (0..8)
        .map(|j| md5_hash(&format!("tenant-7#{j}")))
        .map(|h| ranges.iter().position(|x| x.contains(h)).unwrap())
        .collect();
    let written: BTreeSet<usize> =
        r.points[0].shards.iter().enumerate().filter(|(_, x)| x.incoming_records > 0).map(|(i, _)| i).collect();
    assert_eq!(written, expected);
    let w = &r.points[0].producers.per_producer[0].workload;
    assert_eq!((w.rate.as_str(), w.keys.as_str()), ("constant", "fixed"));
    let salted = &r.points[0].producers.per_producer[0].salted_keys;
    assert_eq!((salted[0].key.as_str(), salted[0].suffixes), ("tenant-7", 8));
    assert_eq!(salted[0].shards_spanned as usize, expected.len());
}

/// Runs `shardsim run` on `dir/scenario.toml` into `dir/out`, expecting exit
/// 2 and `needle` in standard error, and nothing written.
fn refused(dir: &Path, scenario_text: &str, files: &[(&str, &str)], extra: &[&str], needle: &str) {
    write(dir, scenario_text, files);
    let out = dir.join("out");
    let assert = shardsim()
        .arg("run")
        .arg(dir.join("scenario.toml"))
        .args(extra)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains(needle), "expected {needle:?} in:\n{stderr}");
    assert!(!out.exists(), "a refused run wrote {}", out.display());
}

#[test]
fn every_bad_input_exits_2_with_its_place_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let trace = |file: &str| {
        scenario(60, "shard_count = 2", &format!("rate_pattern = {{ kind = \"trace\", file = \"{file}\" }}"))
    };
    refused(d, &trace("absent.csv"), &[], &[], "cannot read");
    refused(d, &trace("t.csv"), &[("t.csv", "time_s,records_per_s\n0,10\n60,5,7\n")], &[], "t.csv:3");
    refused(d, &trace("t.csv"), &[("t.csv", "time_s,records_per_s\n0,10\n60,abc\n")], &[], "t.csv:3:4");
    refused(d, &trace("t.csv"), &[("t.csv", "time_s,records_per_s\n0,-10\n")], &[], "t.csv:2:3");
    refused(d, &trace("t.csv"), &[("t.csv", "time_s,records_per_s\n0,NaN\n")], &[], "t.csv:2:3");
    refused(d, &trace("t.csv"), &[("t.csv", "time_s,records_per_s\n0,10\n0,20\n")], &[], "t.csv:3");
    let partial = r#"{"MetricDataResults": [{"Id": "r", "Label": "IncomingRecords", "StatusCode": "PartialData",
        "Messages": [], "Timestamps": ["2024-09-29T22:10:00Z"], "Values": [600.0]}], "Messages": []}"#;
    refused(d, &trace("m.json"), &[("m.json", partial)], &["--strict"], "PartialData");
    let both =
        scenario(60, "shard_count = 2", "records_per_s = 10\nrate_pattern = { kind = \"trace\", file = \"t.csv\" }");
    refused(d, &both, &[("t.csv", "time_s,records_per_s\n0,10\n")], &[], "records_per_s");
    let mut gap = UNEVEN;
    gap[2].1 += 10;
    let map = |file: &str| scenario(60, &format!("shards_file = \"{file}\""), "records_per_s = 10");
    refused(d, &map("s.json"), &[("s.json", &list_shards(&gap))], &[], "s.json: $.Shards[");
    refused(d, &map("s.json"), &[("s.json", &list_shards(&gap))], &[], "shardId-000000000003");
    let mut overlap = UNEVEN;
    overlap[3].1 -= 10;
    refused(d, &map("s.json"), &[("s.json", &list_shards(&overlap))], &[], "shardId-000000000004");
    let count_too = scenario(60, "shards_file = \"s.json\"\nshard_count = 5", "records_per_s = 10");
    refused(d, &count_too, &[("s.json", &list_shards(&UNEVEN))], &[], "stream.shard_count");
    let keys = |file: &str| {
        scenario(
            60,
            "shard_count = 2",
            &format!("records_per_s = 10\npartition_key = {{ dist = \"empirical\", file = \"{file}\" }}"),
        )
    };
    refused(
        d,
        &keys("k.csv"),
        &[("k.csv", "partition_key,count\na,0\nb,0\n")],
        &[],
        "k.csv: the key table's counts add up to 0",
    );
    let long = format!("partition_key,count\n{},3\n", "k".repeat(257));
    refused(d, &keys("k.csv"), &[("k.csv", &long)], &[], "k.csv:2:1");
}

#[test]
fn an_incomplete_export_warns_and_runs_without_strict() {
    let dir = tempfile::tempdir().unwrap();
    let partial = r#"{"MetricDataResults": [{"Id": "r", "Label": "IncomingRecords", "StatusCode": "PartialData",
        "Messages": [], "Timestamps": ["2024-09-29T22:10:00Z"], "Values": [600.0]}], "Messages": []}"#;
    write(
        dir.path(),
        &scenario(60, "shard_count = 2", "rate_pattern = { kind = \"trace\", file = \"m.json\" }"),
        &[("m.json", partial)],
    );
    let assert = shardsim()
        .args(["run", "--no-charts", "--out"])
        .arg(dir.path().join("out"))
        .arg(dir.path().join("scenario.toml"))
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("warning") && stderr.contains("PartialData"), "{stderr}");
}

#[test]
fn import_writes_a_scenario_that_checks_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders.toml");
    shardsim()
        .args([
            "import",
            "--metrics",
            "scenarios/data/orders-metrics.json",
            "--keys",
            "scenarios/data/orders-keys.csv",
            "--shards",
            "scenarios/data/orders-list-shards.json",
            "--name",
            "orders",
            "--output",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = fs::read_to_string(&out).unwrap();
    assert!(text.contains("shards_file") && text.contains("empirical") && text.contains("trace"), "{text}");
    shardsim().arg("check").arg(&out).assert().success();
    shardsim()
        .args(["run", "--quiet", "--no-charts", "--set", "scenario.duration_s=30", "--out"])
        .arg(dir.path().join("reports"))
        .arg(&out)
        .assert()
        .success();
    // To standard output, with paths from the working directory.
    let printed = shardsim()
        .args(["import", "--metrics", "scenarios/data/orders-metrics.csv", "--name", "csv-only"])
        .assert()
        .success();
    let text = String::from_utf8(printed.get_output().stdout.clone()).unwrap();
    assert!(text.contains("file = \"scenarios/data/orders-metrics.csv\"") && text.contains("shard_count"), "{text}");
}

#[test]
fn replays_are_byte_identical_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let json = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        shardsim()
            .args(["run", "scenarios/replay-cloudwatch.toml", "--quiet", "--no-charts", "--threads", threads])
            .args(["--set", "scenario.duration_s=120", "--sweep", "producers.0.instances=2,4", "--out"])
            .arg(&out)
            .assert()
            .success();
        fs::read(out.join("replay-cloudwatch").join("report.json")).unwrap()
    };
    assert_eq!(json("1"), json("2"));
}

#[test]
fn salt_and_key_table_rules_are_checked_where_written() {
    let errors = |producer: &str| -> String {
        let text = scenario(10, "shard_count = 2", &format!("records_per_s = 10\n{producer}"));
        shardsim::scenario::load("t.toml", &text, &[]).expect_err("refused").to_string()
    };
    let e = errors("partition_key = { dist = \"unique\", salt = { keys = \"all\", suffixes = 4 } }");
    assert!(e.contains("t.toml:12:") && e.contains("partition_key.salt") && e.contains("all distinct"), "{e}");
    let e = errors("partition_key = { dist = \"uniform\", keys = 10, salt = { keys = [\"key-10\"], suffixes = 4 } }");
    assert!(e.contains("\"key-10\" is not one of") && e.contains("key-0 … key-9"), "{e}");
    let e = errors(
        "partition_key = { dist = \"hot\", keys = 10, hot_share = 0.5, salt = { keys = \"all\", suffixes = 4, hot_above = 0.2 } }",
    );
    assert!(e.contains("salt.hot_above") && e.contains("only to keys = \"hot\""), "{e}");
    let e = errors("partition_key = { dist = \"fixed\", key = \"k\", salt = { keys = \"all\", suffixes = 1 } }");
    assert!(e.contains("salt.suffixes") && e.contains("between 2 and 10000"), "{e}");
    let long = "k".repeat(254);
    let e = errors(&format!(
        "partition_key = {{ dist = \"fixed\", key = \"{long}\", salt = {{ keys = \"all\", suffixes = 16 }} }}"
    ));
    assert!(e.contains("would be 257 characters"), "{e}");
    // A key table needs its file, and other_keys needs other_share.
    let e = errors("partition_key = { dist = \"empirical\", file = \"k.csv\", other_keys = 5 }");
    assert!(e.contains("partition_key.file") && e.contains("cannot read k.csv"), "{e}");
    let e = errors("partition_key = { dist = \"empirical\" }");
    assert!(e.contains("partition_key.file: missing required key: the key table"), "{e}");
    let e = errors("rate_pattern = { kind = \"trace\" }");
    assert!(e.contains("rate_pattern.file: missing required key: the trace file"), "{e}");
}

#[test]
fn check_says_when_a_run_outlasts_its_trace() {
    let out = shardsim()
        .args(["check", "scenarios/replay-cloudwatch.toml", "--set", "scenario.duration_s=100000"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("lasts 86400 s of the run's 100000 s; no records after it"), "{stdout}");
}
