//! Cost against AWS's documented arithmetic (reference §11): simulated
//! traffic metered into PUT payload units, KB-rounded bytes, shard-, stream-
//! and consumer-shard-hours, and priced with the built-in us-east-1 table or
//! a scenario's changes to it.

use std::fs;

use shardsim::cost::{LineItem, ModeCost};
use shardsim::report::{CostReport, Report};

use crate::common::{INSTANT_REQUESTS, report, shardsim};

/// Dollar amounts agree to a millionth of a cent.
const EPS_USD: f64 = 1e-8;

fn cost(r: &Report) -> &CostReport {
    &r.points[0].cost
}

fn item<'a>(m: &'a ModeCost, name: &str) -> &'a LineItem {
    m.line_items.iter().find(|i| i.item == name).unwrap_or_else(|| panic!("no line item {name} in {m:#?}"))
}

fn close(a: f64, b: f64, eps: f64) -> bool {
    (a - b).abs() <= eps
}

/// `shards` shards for `duration_s`, one PutRecord producer (no buffering,
/// requests answered instantly, so every record is put within the run)
/// with the given extra lines, and the given trailing tables.
fn stream(shards: u32, duration_s: u64, producer: &str, rest: &str) -> String {
    format!(
        "[scenario]\nname = \"cost\"\nseed = 5\nduration_s = {duration_s}\n\
         [stream]\nshard_count = {shards}\n\
         [[producers]]\nname = \"p\"\narrival = \"constant\"\n{producer}\n\
         [producers.sdk]\napi = \"put_record\"\n{INSTANT_REQUESTS}\n{rest}"
    )
}

#[test]
fn provisioned_reproduces_the_pricing_pages_35_kb_example() {
    // Reference §11.3 (b): 100 records/s of 35 KB into 4 shards. The byte
    // limit is raised so that no record is throttled: this test is about
    // the arithmetic, not about whether 4 shards hold 3.4 MB/s.
    let text = stream(4, 3_600, "records_per_s = 100\nrecord_bytes = { dist = \"fixed\", bytes = 35840 }", "")
        .replace("shard_count = 4", "shard_count = 4\nshard_write_bytes_per_s = 4194304");
    let r = report(&text);
    assert_eq!(r.points[0].producers.total.records_put, 360_000);
    let c = cost(&r);
    assert_eq!((c.usage.metered_hours, c.usage.shard_hours), (1.0, 4.0));
    // 35 KB (+ a key of at most 8 bytes) is two 25 KB chunks.
    assert_eq!(c.usage.put_payload_units, 720_000);
    let p = &c.modes.provisioned;
    assert!(close(item(p, "shard_hours").usd, 0.06, EPS_USD));
    let units = item(p, "put_payload_units");
    assert_eq!((units.quantity, units.unit, units.usd_per_unit), (0.72, "million PUT payload units", 0.014));
    assert!(close(units.usd, 720_000.0 * 0.014 / 1e6, EPS_USD));
    assert_eq!(p.line_items.len(), 2, "no EFO, no extended retention: {p:#?}");
    assert!(close(p.usd_per_hour, 0.06 + 0.01008, EPS_USD));
    assert!(close(p.usd_per_month, 720.0 * 0.07008, 1e-6));
    // The example's day and 31-day month, within its rounding to cents.
    assert!(close(p.usd_per_hour * 24.0, 1.68, 0.005));
    assert!(close(p.usd_per_hour * 24.0 * 31.0, 52.14, 0.005));
    assert!(close(item(p, "shard_hours").usd_per_hour * 24.0 * 31.0, 44.64, 1e-9));
    assert_eq!(c.usage.put_payload_units * 24 * 31, 535_680_000);
    assert!(close(units.usd_per_hour * 24.0 * 31.0, 7.50, 0.005));
    assert_eq!(c.cheapest, "provisioned");
    // AWS's formula for the same workload (reference §12): 3.4 MB/s needs
    // four shards; the run at four did not throttle.
    let z = &r.points[0].sizing;
    assert_eq!((z.aws_formula_shards, z.records_limit_shards), (4, 1));
    assert!(z.verdict.starts_with("agree"), "{}", z.verdict);
}

#[test]
fn enhanced_fan_out_bills_consumer_shard_hours_per_registered_consumer() {
    // Reference §11.3 (a): one consumer on 10 shards for an hour is $0.15;
    // two are $0.30.
    let efo = |n: usize| {
        let consumers: String = (0..n).map(|i| format!("[[consumers]]\nname = \"c{i}\"\nkind = \"efo\"\n")).collect();
        report(&stream(10, 3_600, "records_per_s = 10", &consumers))
    };
    for (n, usd) in [(1, 0.15), (2, 0.30)] {
        let r = efo(n);
        let c = cost(&r);
        let hours = item(&c.modes.provisioned, "efo_consumer_shard_hours");
        assert_eq!((hours.quantity, hours.unit), (10.0 * n as f64, "consumer-shard-hour"));
        assert!(close(hours.usd, usd, EPS_USD), "{n} consumers: {}", hours.usd);
        // Every record pushed to each consumer is billed as EFO data.
        let delivered: u64 = r.points[0].consumers.iter().map(|c| c.records_delivered).sum();
        assert!(delivered > 35_000 * n as u64, "{delivered}");
        assert_eq!(c.usage.bytes_read, 0);
        assert!(c.usage.efo_bytes_read >= delivered * 1_000, "{}", c.usage.efo_bytes_read);
        let gb = item(&c.modes.on_demand, "efo_data_retrieved");
        assert!(close(gb.usd, c.usage.efo_bytes_read as f64 / (1u64 << 30) as f64 * 0.05, EPS_USD));
    }
}

#[test]
fn put_payload_units_are_counted_per_record_in_25_kb_chunks() {
    // Records of 5 KB, 25 KB, 25 KB + 1 byte, 45 KB and "1 MB" (1,000 KB),
    // data plus the one-byte key "k": 1, 1, 2, 2 and 40 units each.
    let producer = |i: usize, bytes: u64| {
        format!(
            "[[producers]]\nname = \"p{i}\"\nrecords_per_s = 1\narrival = \"constant\"\n\
             record_bytes = {{ dist = \"fixed\", bytes = {} }}\npartition_key = {{ dist = \"fixed\", key = \"k\" }}\n\
             [producers.sdk]\napi = \"put_record\"\n",
            bytes - 1
        )
    };
    let sizes = [5 * 1_024, 25 * 1_024, 25 * 1_024 + 1, 45 * 1_024, 1_000 * 1_024];
    let producers: String = sizes.iter().enumerate().map(|(i, &b)| producer(i, b)).collect();
    let text = format!(
        "[scenario]\nname = \"units\"\nduration_s = 10\n[stream]\nshard_count = 1\nshard_write_bytes_per_s = 4194304\n{producers}"
    );
    let r = report(&text);
    assert_eq!(r.points[0].producers.total.records_put, 50);
    assert_eq!(cost(&r).usage.put_payload_units, 10 * (1 + 1 + 2 + 2 + 40));
}

#[test]
fn on_demand_rounds_each_record_up_to_a_whole_kilobyte() {
    // Reference §11.1: records of 4.5 KB are billed as 5 KB.
    let text = stream(
        2,
        60,
        "records_per_s = 100\nrecord_bytes = { dist = \"fixed\", bytes = 4607 }\npartition_key = { dist = \"fixed\", key = \"k\" }",
        "",
    )
    .replace("shard_count = 2", "shard_count = 2\nshard_write_bytes_per_s = 4194304");
    let r = report(&text);
    let c = cost(&r);
    assert_eq!(c.usage.kinesis_records_written, 6_000);
    assert_eq!(c.usage.bytes_written, 6_000 * 4_608);
    assert_eq!(c.usage.on_demand_bytes_written, 6_000 * 5 * 1_024);
    let written = item(&c.modes.on_demand, "data_written");
    assert_eq!(written.quantity, (6_000 * 5 * 1_024) as f64 / (1u64 << 30) as f64);
    assert!(close(written.usd, written.quantity * 0.08, EPS_USD));
    let advantage = item(&c.modes.on_demand_advantage, "data_written");
    assert!(close(advantage.usd, written.quantity * 0.032, EPS_USD));
}

/// A stream with no traffic for `hours`: the producer's rate is multiplied
/// by zero from the start.
fn idle(hours: u64, pricing: &str) -> Report {
    let text = stream(
        2,
        hours * 3_600,
        "records_per_s = 1\nrate_pattern = { kind = \"step\", at_s = 0, factor = 0 }",
        pricing,
    );
    report(&text)
}

#[test]
fn an_idle_on_demand_stream_costs_its_stream_hours() {
    // 744 h (a 31-day month) of an idle stream: 744 × $0.04.
    let r = idle(744, "");
    assert_eq!(r.points[0].producers.total.user_records, 0);
    let c = cost(&r);
    let od = &c.modes.on_demand;
    assert_eq!(item(od, "stream_hours").quantity, 744.0);
    assert!(close(od.usd_for_run, 744.0 * 0.04, EPS_USD), "{}", od.usd_for_run);
    assert!(close(od.usd_per_hour, 0.04, EPS_USD));
    // Provisioned: 2 idle shards. Advantage: the whole commitment, unused —
    // 25 MiB/s in and out for 744 h at $0.032 + $0.016 per GB.
    assert!(close(c.modes.provisioned.usd_for_run, 2.0 * 744.0 * 0.015, EPS_USD));
    let committed_gb = 25.0 * 3_600.0 * 744.0 / 1_024.0;
    assert!(close(c.modes.on_demand_advantage.usd_for_run, committed_gb * (0.032 + 0.016), 1e-6));
    assert_eq!(c.cheapest, "provisioned");
}

#[test]
fn scenario_rates_change_the_bill() {
    let changed = idle(
        10,
        "[pricing.on_demand]\nusd_per_stream_hour = 0.05\n[pricing.on_demand_advantage]\ncommitment_share = 0\n",
    );
    let c = cost(&changed);
    assert!(close(c.modes.on_demand.usd_for_run, 10.0 * 0.05, EPS_USD));
    assert_eq!(c.modes.on_demand_advantage.usd_for_run, 0.0);
    assert_eq!(c.cheapest, "on_demand_advantage");
    assert_eq!(c.price_table.overridden.len(), 2);
    assert_eq!(c.price_table.overridden["on_demand.usd_per_stream_hour"], 0.05);
    // Extended retention appears with retention beyond 24 h, and long-term
    // storage beyond 7 days.
    let retained = report(
        &stream(1, 3_600, "records_per_s = 100\nrecord_bytes = { dist = \"fixed\", bytes = 1000 }", "")
            .replace("shard_count = 1", "shard_count = 1\nretention_hours = 336"),
    );
    let c = cost(&retained);
    let ext = item(&c.modes.provisioned, "extended_retention");
    assert!(close(ext.usd, 0.02, EPS_USD), "{ext:?}");
    let long = item(&c.modes.provisioned, "long_term_retention");
    // An hour's writes, kept 168 h beyond the first 7 days, for an hour.
    let gb = c.usage.bytes_written as f64 / (1u64 << 30) as f64;
    assert!(close(long.quantity, gb * 168.0 / 720.0, 1e-12), "{long:?}");
    assert!(close(item(&c.modes.on_demand, "extended_retention").quantity, gb * 144.0 / 720.0, 1e-12));
    assert!(close(item(&c.modes.on_demand_advantage, "retention").quantity, gb * 312.0 / 720.0, 1e-12));
}

/// Runs `shardsim run` on `scenario` (with `files` beside it) and returns
/// the exit code, stdout and stderr.
fn run_in_dir(scenario: &str, files: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(tmp.path().join(name), text).unwrap();
    }
    let path = tmp.path().join("s.toml");
    fs::write(&path, scenario).unwrap();
    let out = shardsim()
        .arg("run")
        .arg(&path)
        .args(["--out"])
        .arg(tmp.path().join("out"))
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

const SMALL: &str = "[scenario]\nname = \"s\"\nduration_s = 5\n[stream]\nshard_count = 2\n\
                     [[producers]]\nname = \"p\"\nrecords_per_s = 10\n";

#[test]
fn a_scenario_can_name_another_price_table_beside_it() {
    let eu = shardsim::cost::prices::BUILT_IN_TEXT
        .replace("region = \"us-east-1\"", "region = \"eu-west-1\"")
        .replace("usd_per_shard_hour = 0.015", "usd_per_shard_hour = 0.017");
    let (code, stdout, stderr) = run_in_dir(&format!("pricing = \"eu.toml\"\n{SMALL}"), &[("eu.toml", &eu)], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cost = &json["points"][0]["cost"];
    assert_eq!(cost["price_table"]["region"], "eu-west-1");
    assert!(cost["price_table"]["file"].as_str().unwrap().ends_with("eu.toml"));
    let shard_hours = &cost["provisioned"]["line_items"][0];
    assert_eq!(shard_hours["item"], "shard_hours");
    assert_eq!(shard_hours["usd_per_unit"], 0.017);
    assert_eq!(shard_hours["rate_key"], "provisioned.usd_per_shard_hour");
}

#[test]
fn unknown_pricing_keys_and_bad_price_tables_exit_2() {
    let typo = format!("{SMALL}[pricing.provisioned]\nusd_per_shard_hr = 1\n");
    let (code, _, stderr) = run_in_dir(&typo, &[], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "s.toml:10:1: pricing.provisioned.usd_per_shard_hr: unknown key; did you mean `usd_per_shard_hour`?"
        ),
        "{stderr}"
    );

    let (code, _, stderr) = run_in_dir(&format!("pricing = \"nowhere.toml\"\n{SMALL}"), &[], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot read price table file") && stderr.contains("nowhere.toml"), "{stderr}");

    let bad = shardsim::cost::prices::BUILT_IN_TEXT.replace("efo_usd_per_gb = 0.013", "efo_usd_per_gb = \"cheap\"");
    let (code, _, stderr) = run_in_dir(&format!("pricing = \"bad.toml\"\n{SMALL}"), &[("bad.toml", &bad)], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("bad.toml:25:18: provisioned.efo_usd_per_gb: expected a number"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
