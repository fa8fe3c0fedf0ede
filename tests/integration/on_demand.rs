//! On-demand (Standard) streams against AWS's documented rules
//! (scaling-facts §6): a new stream's 4 MiB/s, room for twice the previous
//! peak, splits of shards above 500 KiB/s after their delay, hot keys still
//! bound by one shard's limits, and refused keys of the other mode.

use shardsim::report::Point;

use crate::common::{report, shardsim};

/// A stream in on-demand mode (extra `[stream.on_demand]` lines), written
/// by one producer of `records_per_s` 1-KiB records (1,023 data bytes plus
/// the 1-byte partition key `a`, explicit hash keys uniform over the hash
/// space), each record tried once, for `duration_s`.
fn on_demand(on_demand: &str, records_per_s: u32, duration_s: u32, key: &str) -> String {
    format!(
        "[scenario]\nname = \"od\"\nseed = 17\nduration_s = {duration_s}\n\
         [stream]\ncapacity_mode = \"on_demand\"\n[stream.on_demand]\n{on_demand}\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = {records_per_s}\narrival = \"poisson\"\ninstances = 4\n\
         record_bytes = {{ dist = \"fixed\", bytes = 1023 }}\npartition_key = {key}\n\
         [producers.sdk]\napi = \"put_records\"\nlinger_ms = 20\nmax_attempts = 1\n"
    )
}

const UNIFORM: &str = "{ dist = \"random_hash\" }";
/// 1 KiB records per second for `mib` MiB/s.
fn rate(mib: f64) -> u32 {
    (mib * 1_024.0) as u32
}

/// Throttled attempts in buckets starting within `[from_s, to_s)`.
fn throttled_between(p: &Point, from_s: u64, to_s: u64) -> u64 {
    let t = &p.timeseries;
    (0..t.write_throttled.len())
        .filter(|&i| (from_s..to_s).contains(&(i as u64 * t.bucket_s)))
        .map(|i| t.write_throttled[i])
        .sum()
}

#[test]
fn a_new_stream_carries_3_5_mib_s_without_throttling() {
    let r = report(&on_demand("", rate(3.5), 600, UNIFORM));
    let p = &r.points[0];
    assert_eq!(p.capacity.mode, "on_demand");
    assert_eq!(p.capacity.write_capacity_mib_s_start, 4.0, "a new stream: 4 MiB/s");
    assert_eq!(p.stream.write_throttled, 0);
    // 3.5 MiB/s over 4 shards is 875 KiB/s each, above the 500 KiB/s
    // trigger: each is split 900 s after its first whole minute, so not
    // within 600 s.
    assert!(p.reshard_operations.iter().all(|o| o.completed_at_s.is_none_or(|t| t > 600.0)));
    assert_eq!(p.capacity.write_capacity_mib_s_end, 4.0);
}

#[test]
fn an_on_demand_stream_given_a_shard_count_keeps_it_as_a_switched_stream_does() {
    // `shard_count` on an on-demand stream: the count it keeps from
    // provisioned mode, so a sweep over capacity_mode compares like with
    // like. 12 MiB/s on 16 shards: no throttling from the start.
    let text =
        on_demand("", rate(12.0), 300, UNIFORM).replace("[stream.on_demand]", "shard_count = 16\n[stream.on_demand]");
    let r = report(&text);
    let p = &r.points[0];
    assert_eq!(p.capacity.write_capacity_mib_s_start, 16.0);
    assert_eq!(p.stream.write_throttled, 0);
}

#[test]
fn twelve_mib_s_throttles_until_the_splits_land_after_their_delay() {
    let r = report(&on_demand("", rate(12.0), 2_400, UNIFORM));
    let p = &r.points[0];
    let splits: Vec<_> = p.reshard_operations.iter().filter(|o| o.op == "on_demand_split").collect();
    assert!(!splits.is_empty());
    for s in &splits {
        // Decided at a minute check (the first at 120 s: a shard's first
        // minute only sets its baseline), split 900 s later.
        assert_eq!(s.origin, "on_demand");
        assert!(s.at_s >= 120.0 && s.at_s % 60.0 == 0.0, "{s:?}");
        assert_eq!(s.completed_at_s, Some(s.at_s + 900.0), "{s:?}");
        assert_eq!((s.shards_closed.len(), s.shards_created.len()), (1, 2));
    }
    // 4 → 8 at 1,020 s, → 16 at 1,980 s: 16 MiB/s for 12 MiB/s.
    assert_eq!(p.capacity.write_capacity_mib_s_end, 16.0);
    assert!(throttled_between(p, 0, 1_020) > 0, "a new stream cannot take 12 MiB/s");
    let last = throttled_between(p, 2_100, 2_400);
    assert_eq!(last, 0, "the last 5 minutes throttle");
    // Children split evenly: each holds half its parent's range.
    let range = |id: &str| {
        let s = p.shards.iter().find(|s| s.shard_id == id).unwrap();
        (s.hash_key_start.parse::<u128>().unwrap(), s.hash_key_end.parse::<u128>().unwrap())
    };
    let parent = range(splits[0].requested["shard"].as_str().unwrap());
    let (lo, hi) = (range(&splits[0].shards_created[0]), range(&splits[0].shards_created[1]));
    assert_eq!((lo.0, hi.1, lo.1 + 1), (parent.0, parent.1, hi.0));
    assert!((lo.1 - lo.0).abs_diff(hi.1 - hi.0) <= 1);
}

#[test]
fn a_declared_previous_peak_gives_room_for_twice_that_peak() {
    // A 30-day peak of 10 MiB/s: 20 shards, 20 MiB/s.
    let peak = "previous_peak_write_mib_s = 10";
    let fits = report(&on_demand(peak, rate(19.0), 600, UNIFORM));
    let p = &fits.points[0];
    assert_eq!(p.capacity.write_capacity_mib_s_start, 20.0);
    assert_eq!(p.stream.write_throttled, 0, "19 MiB/s is under double the peak");
    let over = report(&on_demand(peak, rate(25.0), 600, UNIFORM));
    let o = &over.points[0];
    let share = o.producers.total.records_dropped as f64 / o.producers.total.user_records as f64;
    // 25 MiB/s on 20 MiB/s (the records limit binds a little lower, at
    // 1,000 of the 1,024 records a MiB holds): about a fifth refused.
    assert!((0.18..0.26).contains(&share), "{share}");
}

#[test]
fn a_hot_key_throttles_in_on_demand_mode_too() {
    // One key at 1.5 MiB/s (1,536 records/s): one shard takes 1,000
    // records/s, and splitting it does not spread one key.
    let r = report(&on_demand("", rate(1.5), 1_500, "{ dist = \"fixed\", key = \"tenant-1\" }"));
    let p = &r.points[0];
    let t = &p.producers.total;
    let share = t.records_dropped as f64 / t.user_records as f64;
    assert!((share - 536.0 / 1_536.0).abs() < 0.02, "{share}");
    // The shard was split (over 500 KiB/s) and its key's child throttles.
    assert!(p.reshard_operations.iter().any(|o| o.completed_at_s.is_some()));
    let late = throttled_between(p, 1_200, 1_500);
    assert!(late > 0);
    // Warm throughput does not help one key either ("a maximum of 1 MiB/s
    // of data per partition key, regardless of the warm throughput").
    let hot = "{ dist = \"fixed\", key = \"tenant-1\" }";
    let warm = on_demand("warm_throughput_mib_s = 50", rate(1.5), 600, hot)
        .replace("capacity_mode = \"on_demand\"", "capacity_mode = \"on_demand_advantage\"");
    let a = report(&warm);
    let t = &a.points[0].producers.total;
    let share = t.records_dropped as f64 / t.user_records as f64;
    assert!((share - 536.0 / 1_536.0).abs() < 0.02, "{share}");
}

#[test]
fn an_on_demand_sweep_is_byte_identical_at_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("od.toml");
    let text = on_demand("split_delay_s = 120", rate(12.0), 900, UNIFORM)
        + "[sweep]\n\"stream.on_demand.split_delay_s\" = [60, 120, 300]\n";
    std::fs::write(&file, text).unwrap();
    let run = |threads: &str| {
        let out = tmp.path().join(threads);
        shardsim().arg("run").arg(&file).args(["--quiet", "--threads", threads, "--out"]).arg(&out).assert().success();
        std::fs::read(out.join("od").join("report.json")).unwrap()
    };
    let (one, two) = (run("1"), run("2"));
    assert!(one == two, "1 thread vs 2 threads differ");
    let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let splits = |i: usize| json["points"][i]["reshard_operations"].as_array().unwrap().len();
    assert!(splits(0) > splits(2), "a shorter delay splits more within the run");
}

/// `shardsim check` refuses `text` with exit 2, naming the file's line,
/// the key `path`, and `needle`.
fn assert_refused(text: &str, path: &str, needle: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("od.toml");
    std::fs::write(&file, text).unwrap();
    let out = shardsim().arg("check").arg(&file).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{path}: {err}");
    assert!(err.contains(path) && err.contains(needle), "{path}/{needle}: {err}");
    assert!(err.contains("od.toml:"), "located: {err}");
}

#[test]
fn keys_of_the_other_mode_are_refused_where_written() {
    let cases = [
        (
            on_demand("initial_shards = 8", 100, 60, UNIFORM)
                .replace("[stream.on_demand]", "shard_count = 4\n[stream.on_demand]"),
            "stream.shard_count",
            "not both",
        ),
        (
            on_demand("", 100, 60, UNIFORM).replace("[stream.on_demand]", "reshard_op_s = 10\n[stream.on_demand]"),
            "stream.reshard_op_s",
            "provisioned",
        ),
        (
            on_demand("", 100, 60, UNIFORM).replace("capacity_mode = \"on_demand\"\n", "shard_count = 2\n"),
            "stream.on_demand",
            "capacity_mode = \"on_demand\" or",
        ),
        (on_demand("initial_shards = 300", 100, 60, UNIFORM), "stream.on_demand.initial_shards", "max_write_mib_s"),
        (on_demand("max_write_mib_s = 20000", 100, 60, UNIFORM), "stream.on_demand.max_write_mib_s", "10240"),
    ];
    cases.iter().for_each(|(text, path, needle)| assert_refused(text, path, needle));
}

/// An Advantage stream (extra `[stream.on_demand]` and `[stream]` lines)
/// under `records_per_s` 1-KiB records with a ×`factor` spike from 600 s to
/// 1,200 s.
fn advantage(on_demand: &str, stream: &str, records_per_s: u32, factor: u32, duration_s: u32) -> String {
    format!(
        "[scenario]\nname = \"adv\"\nseed = 23\nduration_s = {duration_s}\n\
         [stream]\ncapacity_mode = \"on_demand_advantage\"\n{stream}\n[stream.on_demand]\n{on_demand}\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = {records_per_s}\narrival = \"poisson\"\ninstances = 4\n\
         record_bytes = {{ dist = \"fixed\", bytes = 1023 }}\npartition_key = {UNIFORM}\n\
         rate_pattern = {{ kind = \"spike\", at_s = 600, duration_s = 600, factor = {factor} }}\n\
         [producers.sdk]\napi = \"put_records\"\nlinger_ms = 20\nmax_attempts = 1\n"
    )
}

#[test]
fn advantage_with_50_mib_s_of_warm_throughput_takes_a_40_mib_s_spike() {
    // 2 MiB/s, then 40 MiB/s from 600 to 1,200 s.
    let r = report(&advantage("warm_throughput_mib_s = 50", "", rate(2.0), 20, 1_500));
    let p = &r.points[0];
    assert_eq!(p.capacity.mode, "on_demand_advantage");
    assert_eq!((p.capacity.write_capacity_mib_s_start, p.capacity.warm_throughput_mib_s), (50.0, Some(50.0)));
    assert_eq!(p.stream.write_throttled, 0);
    assert_eq!(p.cost.modes.on_demand_advantage.basis, "simulated");
    // A Standard stream of the same history throttles the spike.
    let standard =
        report(&on_demand("", rate(2.0), 1_500, UNIFORM).replace("max_attempts = 1", "max_attempts = 1\n").replace(
            "partition_key = ",
            "rate_pattern = { kind = \"spike\", at_s = 600, duration_s = 600, factor = 20 }\npartition_key = ",
        ));
    assert!(standard.points[0].stream.write_throttled > 0);
}

#[test]
fn raising_warm_throughput_adds_capacity_after_its_delay_and_lowering_merges_to_the_last_hours_need() {
    // Raised to 50 MiB/s at 60 s: from 360 s (300 s later) no shard covers
    // more than 1/50 of the hash space — 64 shards of 1/64, split from 4 —
    // so the 40 MiB/s spike at 600 s, spread over all keys, does not
    // throttle.
    let raise = "[[stream.warm_throughput]]\nat_s = 60\nmib_s = 50\n";
    let r = report(&advantage("", raise, rate(2.0), 20, 1_500));
    let p = &r.points[0];
    let warm: Vec<_> = p.reshard_operations.iter().filter(|o| o.origin == "warm_throughput").collect();
    assert_eq!(warm.len(), 60, "4 → 64 shards, one split each");
    assert!(warm.iter().all(|o| o.at_s == 60.0 && o.completed_at_s == Some(360.0) && o.op == "on_demand_split"));
    assert_eq!(throttled_between(p, 600, 1_200), 0);
    assert_eq!(p.capacity.warm_throughput_mib_s, Some(50.0));

    // Warm 40 MiB/s from the start under a steady 4 MiB/s, lowered to 0 at
    // 300 s: at 600 s the stream merges down to what the last hour's
    // busiest minute needs below the 500 KiB/s trigger:
    // ceil(4 MiB/s / 500 KiB/s) = 9 shards — not to 0, nor to 4.
    let lower = "[[stream.warm_throughput]]\nat_s = 300\nmib_s = 0\n";
    let r = report(&advantage("warm_throughput_mib_s = 40", lower, rate(4.0), 1, 900));
    let p = &r.points[0];
    let busiest_minute_bytes_per_s = 4.0 * 1_048_576.0 * 1.01; // Poisson noise over a minute
    let floor = (busiest_minute_bytes_per_s / 512_000.0f64).ceil();
    assert_eq!(p.capacity.write_capacity_mib_s_end, floor, "merged to the last hour's need");
    let merges = p.reshard_operations.iter().filter(|o| o.op == "merge").count();
    assert_eq!(merges as f64, 40.0 - floor);
    assert_eq!(p.stream.write_throttled, 0);
    assert_eq!(p.capacity.warm_throughput_mib_s, Some(0.0));
}

#[test]
fn warm_throughput_is_refused_outside_advantage_and_beyond_its_bounds() {
    let standard = on_demand("warm_throughput_mib_s = 10", 100, 60, UNIFORM);
    let schedule = on_demand("", 100, 60, UNIFORM)
        .replace("[stream.on_demand]", "[[stream.warm_throughput]]\nat_s = 1\nmib_s = 5\n[stream.on_demand]");
    let cases = [
        (standard, "stream.on_demand.warm_throughput_mib_s", "on_demand_advantage"),
        (schedule, "stream.warm_throughput", "on_demand_advantage"),
        (
            advantage("warm_throughput_mib_s = 300", "", 100, 1, 60),
            "stream.on_demand.warm_throughput_mib_s",
            "max_write_mib_s",
        ),
        (
            advantage("", "[[stream.warm_throughput]]\nat_s = 60\nmib_s = 5\n", 100, 1, 60),
            "stream.warm_throughput[0].at_s",
            "duration_s",
        ),
        (
            advantage(
                "",
                "[[stream.warm_throughput]]\nat_s = 5\nmib_s = 5\n[[stream.warm_throughput]]\nat_s = 5\nmib_s = 9\n",
                100,
                1,
                60,
            ),
            "stream.warm_throughput[1].at_s",
            "one change per instant",
        ),
        (
            advantage("", "[[stream.warm_throughput]]\nat_s = 5\nmib_s = 20000\n", 100, 1, 60),
            "stream.warm_throughput[0].mib_s",
            "10240",
        ),
    ];
    cases.iter().for_each(|(text, path, needle)| assert_refused(text, path, needle));
}

#[test]
fn an_on_demand_run_is_billed_for_its_own_traffic_at_the_published_rates() {
    // 1,024 records/s of 1,024 bytes (data 1,023 + key "a"): each rounds to
    // 1 KB, so data written is records × 1 KiB, at $0.08 per GB (2^30
    // bytes), plus $0.04 per stream-hour — for the run's own accepted
    // records, in the simulated mode; provisioned is the what-if.
    let r = report(&on_demand("", 1_024, 600, UNIFORM));
    let p = &r.points[0];
    let c = &p.cost;
    assert_eq!((c.modes.on_demand.basis, c.modes.provisioned.basis), ("simulated", "what_if"));
    let records = p.producers.total.records_put as f64;
    let hours = 600.0 / 3_600.0;
    let expected = records * 1_024.0 / 1_073_741_824.0 * 0.08 + hours * 0.04;
    assert!((c.modes.on_demand.usd_for_run - expected).abs() < 1e-9, "{} vs {expected}", c.modes.on_demand.usd_for_run);
    // The what-if provisioned row: this run's 4 shards for 600 s, and one
    // PUT payload unit per record.
    let provisioned = 4.0 * hours * 0.015 + records / 1e6 * 0.014;
    assert!((c.modes.provisioned.usd_for_run - provisioned).abs() < 1e-9);
}

#[test]
fn consumers_read_every_record_across_the_services_splits() {
    // 12 MiB/s with 2-minute splits: three rounds of splits in 600 s, read
    // by each kind of consumer, parents before children.
    for kind in ["polling", "efo", "lambda"] {
        let text = on_demand("split_delay_s = 120", rate(12.0), 600, UNIFORM)
            + &format!("[[consumers]]\nname = \"c\"\nkind = \"{kind}\"\n");
        let r = report(&text);
        let p = &r.points[0];
        assert!(p.reshard_operations.len() >= 8, "{kind}: {} splits", p.reshard_operations.len());
        let c = &p.consumers[0];
        assert_eq!(c.records_delivered + c.records_unread + c.records_expired, p.producers.total.records_put, "{kind}");
        assert_eq!((c.duplicates, c.out_of_order_records), (0, 0), "{kind}");
    }
}

/// A provisioned stream of 4 shards under 6 MiB/s of 1-KiB records (one
/// try each), switched to on-demand at 600 s and back at 3,600 s, a third
/// switch at 5,400 s, and UpdateShardCount calls at 1,200 s (while
/// on-demand) and `late_update_s` (provisioned again).
fn switching(late_update_s: u32) -> String {
    format!(
        "[scenario]\nname = \"sw\"\nseed = 3\nduration_s = 7200\n\
         [stream]\nshard_count = 4\nmode_switch_s = 30\n\
         [[stream.mode_switch]]\nat_s = 600\nto = \"on_demand\"\n\
         [[stream.mode_switch]]\nat_s = 3600\nto = \"provisioned\"\n\
         [[stream.mode_switch]]\nat_s = 5400\nto = \"on_demand\"\n\
         [stream.on_demand]\nsplit_delay_s = 300\n\
         [[stream.reshard]]\nat_s = 1200\nop = \"update_shard_count\"\ntarget = 8\n\
         [[stream.reshard]]\nat_s = {late_update_s}\nop = \"update_shard_count\"\ntarget = 24\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = {}\narrival = \"poisson\"\ninstances = 4\n\
         record_bytes = {{ dist = \"fixed\", bytes = 1023 }}\npartition_key = {UNIFORM}\n\
         [producers.sdk]\napi = \"put_records\"\nmax_attempts = 1\n",
        rate(6.0)
    )
}

#[test]
fn mode_switches_hand_the_shards_over_twice_a_day_at_most() {
    let r = report(&switching(4_000));
    let p = &r.points[0];
    let ops = &p.reshard_operations;
    let switch = |at: f64| ops.iter().find(|o| o.op == "update_stream_mode" && o.at_s == at).unwrap();
    // Each switch keeps the stream UPDATING for mode_switch_s.
    assert_eq!((switch(600.0).completed_at_s, switch(3_600.0).completed_at_s), (Some(630.0), Some(3_630.0)));
    // A third within 24 h is refused, and the stream stays provisioned.
    assert_eq!(switch(5_400.0).error, Some("LimitExceededException"));
    // On-demand from 630 s: the service splits, judging whole minutes from
    // then (its first check at 690 s only sets baselines).
    let splits: Vec<_> = ops.iter().filter(|o| o.op == "on_demand_split").collect();
    assert!(!splits.is_empty() && splits.iter().all(|o| o.at_s >= 750.0 && o.at_s < 3_630.0), "{splits:?}");
    // Resharding is the user's again only when provisioned.
    let update = |at: f64| ops.iter().find(|o| o.op == "update_shard_count" && o.at_s == at).unwrap();
    assert_eq!(update(1_200.0).error, Some("ValidationException"));
    assert_eq!(update(4_000.0).status, "completed", "{:?}", update(4_000.0));
    // Billing: one stretch per mode actually in force.
    let periods: Vec<_> = p.cost.simulated.periods.iter().map(|s| (s.mode, s.from_s, s.to_s)).collect();
    assert_eq!(
        periods,
        [("provisioned", 0.0, 630.0), ("on_demand", 630.0, 3_630.0), ("provisioned", 3_630.0, 7_200.0)]
    );
    assert!(
        ["provisioned", "on_demand", "on_demand_advantage"]
            .iter()
            .all(|m| { p.cost.modes.modes().iter().find(|(k, _)| k == m).is_some_and(|(_, c)| c.basis == "what_if") })
    );
}

#[test]
fn a_switching_run_is_billed_per_mode_for_the_time_in_each() {
    // Billed independently from the time series: provisioned stretches at
    // $0.015 per shard-hour and $0.014 per million PUT payload units (one
    // per 1-KiB record); the on-demand stretch at $0.04 per stream-hour and
    // $0.08 per GB of 1-KB-rounded records.
    let r = report(&switching(4_000));
    let p = &r.points[0];
    let t = &p.timeseries;
    let b = t.bucket_s as f64;
    let within = |from: f64, to: f64, f: &dyn Fn(usize) -> f64| -> f64 {
        (0..t.incoming_records.len()).filter(|&i| (from..to).contains(&(i as f64 * b))).map(f).sum()
    };
    let records = |from, to| within(from, to, &|i| t.incoming_records[i] as f64);
    let shard_hours = |from, to| within(from, to, &|i| t.open_shards[i] as f64 * b / 3_600.0);
    let provisioned = |from, to| shard_hours(from, to) * 0.015 + records(from, to) / 1e6 * 0.014;
    let on_demand =
        |from: f64, to: f64| (to - from) / 3_600.0 * 0.04 + records(from, to) * 1_024.0 / 1_073_741_824.0 * 0.08;
    let expected = [provisioned(0.0, 630.0), on_demand(630.0, 3_630.0), provisioned(3_630.0, 7_200.0)];
    for (period, want) in p.cost.simulated.periods.iter().zip(expected) {
        assert!((period.usd_for_run - want).abs() < want * 1e-3, "{}: {} vs {want}", period.mode, period.usd_for_run);
    }
    let sum: f64 = expected.iter().sum();
    assert!((p.cost.simulated.usd_for_run - sum).abs() < sum * 1e-3);
    assert!((p.cost.simulated.usd_per_hour - p.cost.simulated.usd_for_run / 2.0).abs() < 1e-12);
}

#[test]
fn a_run_without_switches_is_billed_as_its_own_mode() {
    let r = report(&on_demand("", rate(2.0), 600, UNIFORM));
    let c = &r.points[0].cost;
    assert_eq!(c.simulated.periods.len(), 1);
    assert_eq!(c.simulated.usd_for_run, c.modes.on_demand.usd_for_run);
}

#[test]
fn bad_mode_switches_are_refused_where_written() {
    let base = "[scenario]\nname = \"sw\"\nduration_s = 600\n[stream]\nshard_count = 2\n";
    let producer = "[[producers]]\nname = \"p\"\nrecords_per_s = 10\n";
    let switch = |at: u32, to: &str| format!("[[stream.mode_switch]]\nat_s = {at}\nto = \"{to}\"\n");
    let cases = [
        (format!("{base}{}{producer}", switch(60, "provisioned")), "stream.mode_switch[0].to", "already provisioned"),
        (
            format!("{base}{}{}{producer}", switch(60, "on_demand"), switch(60, "provisioned")),
            "stream.mode_switch[1].at_s",
            "one switch per instant",
        ),
        (format!("{base}{}{producer}", switch(600, "on_demand")), "stream.mode_switch[0].at_s", "duration_s"),
        (
            format!("{base}{}[stream.on_demand]\ninitial_shards = 8\n{producer}", switch(60, "on_demand")),
            "stream.on_demand.initial_shards",
            "retains",
        ),
        (format!("{base}{}{producer}", switch(60, "on_demand_advantage")), "stream.mode_switch[0].to", "not modelled"),
    ];
    cases.iter().for_each(|(text, path, needle)| assert_refused(text, path, needle));
}

#[test]
fn check_warns_about_resharding_while_on_demand_and_nothing_it_cannot_know() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sw.toml");
    std::fs::write(&file, switching(4_000)).unwrap();
    let out = shardsim().arg("check").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("call 1 at 1200 s") && all.contains("ValidationException"), "{all}");
    // The 4,000-s call depends on how far the service split the stream:
    // not judged statically.
    assert!(!all.contains("call 2"), "{all}");
}

#[test]
fn advantage_allows_50_enhanced_fan_out_consumers_where_others_allow_20() {
    let efo: String = (0..21).map(|i| format!("[[consumers]]\nname = \"c{i}\"\nkind = \"efo\"\n")).collect();
    let advantage = advantage("", "", 100, 1, 60) + &efo;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("od.toml");
    std::fs::write(&file, &advantage).unwrap();
    let out = shardsim().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let standard = on_demand("", 100, 60, UNIFORM) + &efo;
    assert_refused(&standard, "consumers[20].kind", "at most 20");
}
