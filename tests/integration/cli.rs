//! The command line: outputs, overrides, and bad input (exit code 2 with a
//! message naming the place, never a panic).

use std::fs;

use predicates::prelude::*;

use crate::common::shardsim;

const GOOD: &str = "[scenario]\nname = \"ok\"\nduration_s = 5\n[stream]\nshard_count = 2\n\
                    [[producers]]\nname = \"p\"\nrecords_per_s = 100\n";

/// Writes `text` to a scenario file, runs `shardsim <args> FILE`, and checks
/// exit code 2 with every `needles` substring on stderr and no panic.
fn rejects(text: &str, args: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    fs::write(&path, text).unwrap();
    let mut cmd = shardsim();
    cmd.args(args).arg(&path);
    if args[0] == "run" {
        cmd.arg("--out").arg(tmp.path());
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "missing {n:?} in: {stderr}");
    }
}

#[test]
fn misspelled_key_names_file_line_and_suggestion() {
    rejects(
        &GOOD.replace("shard_count", "shard_cout"),
        &["check"],
        &["bad.toml:5:1", "stream.shard_cout", "shard_count"],
    );
}

#[test]
fn wrong_type_is_reported_at_its_value() {
    rejects(
        &GOOD.replace("shard_count = 2", "shard_count = \"two\""),
        &["run"],
        &["bad.toml:5:15", "stream.shard_count"],
    );
}

#[test]
fn negative_rate_and_zero_shards_are_both_reported() {
    let text = GOOD.replace("records_per_s = 100", "records_per_s = -5").replace("shard_count = 2", "shard_count = 0");
    rejects(&text, &["run"], &["producers[0].records_per_s", "-5", "stream.shard_count", "bad.toml:8:", "bad.toml:5:"]);
}

#[test]
fn missing_file_is_exit_2() {
    shardsim()
        .args(["run", "scenarios/does-not-exist.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist.toml").and(predicate::str::contains("cannot read")));
}

#[test]
fn bad_set_override_names_the_argument() {
    rejects(GOOD, &["run", "--set", "stream.shard_count=-1"], &["--set stream.shard_count=-1", "stream.shard_count"]);
    rejects(GOOD, &["run", "--set", "producers.3.records_per_s=1"], &["producers.3"]);
}

#[test]
fn usage_errors_are_exit_2() {
    shardsim().args(["run"]).assert().code(2);
    shardsim().args(["frobnicate"]).assert().code(2);
}

#[test]
fn check_accepts_every_shipped_scenario() {
    shardsim()
        .args(["check", "scenarios/quickstart.toml", "scenarios/hot-key.toml", "scenarios/bench/reference.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: quickstart").and(predicate::str::contains("ok: bench-reference")));
}

#[test]
fn json_output_carries_the_interface_names_and_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    let out = shardsim()
        .args(["run", "scenarios/hot-key.toml", "--set", "stream.shard_count=16", "--set", "scenario.duration_s=20"])
        .args(["--format", "json", "--quiet", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    // --quiet silences progress and notes, never the report --format asked
    // for: standard output is exactly the report written.
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = fs::read_to_string(tmp.path().join("hot-key/report.json")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), written);
    let v: serde_json::Value = serde_json::from_str(&written).unwrap();
    let p = &v["points"][0];
    assert_eq!(p["shards"].as_array().unwrap().len(), 16);
    assert_eq!(p["parameters"], serde_json::json!({}));
    for key in ["user_records", "records_put", "write_throttled", "throttle_rate", "records_dropped", "retries"] {
        assert!(p["producers"][key].is_number(), "producers.{key}");
    }
    for key in ["shard_id", "hash_key_start", "hash_key_end", "incoming_records", "incoming_bytes", "write_throttled"] {
        assert!(!p["shards"][0][key].is_null(), "shards[0].{key}");
    }
    assert_eq!(p["shards"][15]["hash_key_end"], "340282366920938463463374607431768211455");
    assert!(!tmp.path().join("hot-key/.report.json.tmp").exists(), "temporary file renamed away");

    let printed = shardsim()
        .args(["run", "scenarios/hot-key.toml", "--set", "scenario.duration_s=20", "--format", "json", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&printed.stdout).expect("stdout is the JSON report");
    assert_eq!(v["scenario"]["name"], "hot-key");
}

#[test]
fn table_and_markdown_show_the_hot_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let base = ["run", "scenarios/hot-key.toml", "--set", "scenario.duration_s=20", "--out"];
    shardsim()
        .args(base)
        .arg(tmp.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("HOT (throttled").and(predicate::str::contains("report: ")));
    shardsim()
        .args(base)
        .arg(tmp.path())
        .args(["--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Shards").and(predicate::str::contains("| shardId-")));
}

#[test]
fn kpl_state_beyond_memory_is_refused_up_front() {
    // 10,000 KPL instances × 10,000 shards: an aggregate and a limiter for
    // each pair would need tens of GiB.
    let text = GOOD
        .replace("shard_count = 2", "shard_count = 10000")
        .replace("records_per_s = 100\n", "records_per_s = 100\nclient = \"kpl\"\ninstances = 10000\n");
    rejects(&text, &["run"], &["KPL instances × shards need about", "GiB", "--force"]);
}

#[test]
fn a_run_owns_its_report_folder_and_leaves_only_its_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        shardsim()
            .args(["run", "scenarios/hot-key.toml", "--set", "scenario.duration_s=10", "--quiet", "--out"])
            .arg(tmp.path())
            .args(extra)
            .assert()
            .success();
    };
    run(&[]);
    let folder = tmp.path().join("hot-key");
    assert!(folder.join("heatmap.png").exists());
    // A part file (merge's input) and another scenario's folder stay.
    fs::write(folder.join("report.part-1-of-2.json"), "{}").unwrap();
    fs::create_dir_all(tmp.path().join("other")).unwrap();
    fs::write(tmp.path().join("other/report.json"), "{}").unwrap();
    run(&["--no-charts"]);
    let mut names: Vec<String> =
        fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["index.html", "report.json", "report.part-1-of-2.json", "timeseries.csv"]);
    assert_eq!(fs::read_to_string(tmp.path().join("other/report.json")).unwrap(), "{}");
}

#[test]
fn exports_write_a_csv_row_per_configuration_and_the_markdown_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (csv, md) = (tmp.path().join("sweep.csv"), tmp.path().join("sweep.md"));
    let out = shardsim()
        .args(["run", "scenarios/shard-sweep.toml", "--set", "scenario.duration_s=10", "--set", "scenario.warmup_s=0"])
        .args(["--replications", "2", "--quiet", "--no-charts", "--out"])
        .arg(tmp.path().join("out"))
        .arg("--export-csv")
        .arg(&csv)
        .arg("--export-markdown")
        .arg(&md)
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("out/shard-sweep/report.json")).unwrap()).unwrap();
    let points = report["points"].as_array().unwrap();
    let text = fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let header = &rows[0];
    assert_eq!(&header[..4], ["scenario", "stream.shard_count", "replications", "shards"]);
    assert!(header.contains(&"throttle_rate_ci95_low") && header.ends_with(&["cheapest_mode", "slo"]));
    assert_eq!(rows.len(), points.len() + 1);
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (row, p) in rows[1..].iter().zip(points) {
        assert_eq!(row[col("shards")], p["stream"]["shard_count"].to_string());
        let mean: f64 = row[col("throttle_rate")].parse().unwrap();
        assert!((mean - p["estimates"]["producers.throttle_rate"]["mean"].as_f64().unwrap()).abs() < 1e-12);
        assert_eq!(row[col("slo")], if p["slo"]["met"].as_bool().unwrap() { "met" } else { "broken" });
    }
    let markdown = fs::read_to_string(&md).unwrap();
    assert!(markdown.contains("| stream.shard_count |"), "{markdown}");
}

#[test]
fn completions_and_the_man_page_are_generated_from_the_arguments() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = shardsim().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("shardsim") && script.contains("recommend") && script.contains("export-csv"),
            "{shell}"
        );
    }
    let bad = shardsim().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let man = String::from_utf8(shardsim().arg("man").output().unwrap().stdout).unwrap();
    assert!(man.contains(".TH shardsim 1") && man.contains("recommend") && man.contains("completions"), "{man}");
}
