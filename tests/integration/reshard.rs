//! Resharding through the whole simulator: UpdateShardCount's step-by-step
//! ramp and shard ids, AWS's exceptions for refused calls, consumers
//! reading across splits and merges, determinism, and bad schedules.

use std::fs;

use shardsim::report::{Point, Report};

use crate::common::{consumer, consumer_scenario, report, shardsim};

/// 2^128 / n rounded down, without overflowing u128.
fn width(n: u128) -> u128 {
    u128::MAX / n + u128::from(u128::MAX % n == n - 1)
}

/// A new stream's `n` equal ranges: shard k starts at k·⌊2^128/n⌋, the last
/// ends at 2^128 − 1. As decimal strings, as the report writes them.
fn new_stream_ranges(n: u128) -> Vec<(String, String)> {
    let w = width(n);
    (0..n)
        .map(|k| (k * w, if k == n - 1 { u128::MAX } else { (k + 1) * w - 1 }))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn id(i: u32) -> String {
    format!("shardId-{i:012}")
}

/// `shards` shards, one SDK producer (PutRecord, 1,000 records/s of 200 B),
/// running `duration_s`, with extra `[stream]` lines and a reshard schedule.
fn stream(shards: u32, duration_s: u32, stream_extra: &str, schedule: &str) -> String {
    format!(
        "[scenario]\nname = \"r\"\nseed = 5\nduration_s = {duration_s}\n\
         [stream]\nshard_count = {shards}\n{stream_extra}\n{schedule}\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = 1000\narrival = \"constant\"\n\
         record_bytes = {{ dist = \"fixed\", bytes = 200 }}\n\
         [producers.sdk]\napi = \"put_record\"\n"
    )
}

fn update(at_s: u32, target: u32) -> String {
    format!("[[stream.reshard]]\nat_s = {at_s}\nop = \"update_shard_count\"\ntarget = {target}\n")
}

fn split(at_s: u32, shard: u32, key: &str) -> String {
    format!(
        "[[stream.reshard]]\nat_s = {at_s}\nop = \"split\"\nshard = \"{}\"\nnew_starting_hash_key = \"{key}\"\n",
        id(shard)
    )
}

fn merge(at_s: u32, shard: u32, adjacent: u32) -> String {
    format!(
        "[[stream.reshard]]\nat_s = {at_s}\nop = \"merge\"\nshard = \"{}\"\nadjacent = \"{}\"\n",
        id(shard),
        id(adjacent)
    )
}

/// The open shards at the end of the run: (id, start, end), by range.
fn open_shards(p: &Point) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = p
        .shards
        .iter()
        .filter(|s| s.state == "open")
        .map(|s| (s.shard_id.clone(), s.hash_key_start.clone(), s.hash_key_end.clone()))
        .collect();
    v.sort_by_key(|(_, start, _)| start.parse::<u128>().unwrap());
    v
}

// ---------------------------------------------------------------- 1 ----

#[test]
fn doubling_8_to_16_splits_one_shard_per_30_s_into_a_new_streams_ranges() {
    let r = report(&stream(8, 360, "reshard_op_s = 30", &update(60, 16)));
    let p = &r.points[0];
    assert_eq!(p.reshard_operations.len(), 1);
    let op = &p.reshard_operations[0];
    // 8 splits of 30 s each, started at 60 s: done at 60 + 8·30 = 300 s.
    assert_eq!((op.status, op.error, op.started_at_s, op.completed_at_s), ("completed", None, Some(60.0), Some(300.0)));
    // New ids continue after the stream's 0..=7, two per split, lower child
    // first; the parents close in order.
    assert_eq!(op.shards_created, (8..=23).map(id).collect::<Vec<_>>());
    assert_eq!(op.shards_closed, (0..=7).map(id).collect::<Vec<_>>());
    assert_eq!(p.shards.len(), 24);
    for (k, child) in p.shards[8..].iter().enumerate() {
        let parent = (k / 2) as u32;
        assert_eq!(child.parent_shard_id, Some(id(parent)), "{}", child.shard_id);
        assert_eq!(child.adjacent_parent_shard_id, None);
        // Split k (0-based) completes at 60 + 30·(k+1).
        let at = 60.0 + 30.0 * (parent + 1) as f64;
        assert_eq!((child.created_at_s, child.closed_at_s, child.state), (at, None, "open"));
        assert_eq!(p.shards[parent as usize].closed_at_s, Some(at));
        assert_eq!(p.shards[parent as usize].state, "closed", "closed 24 h retention after, past the run");
    }
    // Children 8 + j hold the 16-shard stream's range j (2^128/16 = 2^124
    // exactly, so halving each eighth gives exactly these boundaries).
    let ranges: Vec<(String, String)> =
        p.shards[8..].iter().map(|s| (s.hash_key_start.clone(), s.hash_key_end.clone())).collect();
    assert_eq!(ranges, new_stream_ranges(16));
    assert_eq!(ranges[1].0, (1u128 << 124).to_string());

    // Open shards per 1 s bucket: 8 until the first split completes at
    // 90 s, then one more every 30 s, 16 from 300 s on.
    let ts = &p.timeseries;
    assert_eq!(ts.bucket_s, 1);
    assert_eq!(ts.open_shards.len(), 360);
    for (second, &open) in ts.open_shards.iter().enumerate() {
        let expected = if second < 90 { 8 } else { (8 + (second - 60) / 30).min(16) as u32 };
        assert_eq!(open, expected, "second {second}");
    }
    assert_eq!((ts.open_shards[89], ts.open_shards[90], ts.open_shards[299], ts.open_shards[300]), (8, 9, 15, 16));
    assert_eq!(p.stream.open_shards_max, 16);

    // Shard-hours are the integral of open shards, summed here from each
    // shard's open interval (no warm-up: the window is 0..360 s).
    assert_eq!(r.scenario.warmup_s, 0.0);
    let open_s: f64 = p.shards.iter().map(|s| s.closed_at_s.unwrap_or(360.0).min(360.0) - s.created_at_s).sum();
    // Closed form: parents 90 + 120 + … + 300 = 1,560 s; child pair k open
    // from 60 + 30k to 360: 2·Σ(300 − 30k) = 2,640 s. 4,200 shard-seconds.
    assert_eq!(open_s, 4_200.0);
    let hours = open_s / 3_600.0;
    assert!((p.stream.shard_hours - hours).abs() < 1e-9, "{} vs {hours}", p.stream.shard_hours);
    assert!((p.cost.usage.shard_hours - hours).abs() < 1e-9, "{} vs {hours}", p.cost.usage.shard_hours);
    assert!((p.stream.open_shards_mean - 4_200.0 / 360.0).abs() < 1e-9);
}

// ---------------------------------------------------------------- 2 ----

/// Runs `stream(shards, duration_s, extra, with)` and the same scenario with
/// `without` instead; returns the single rejected operation's (exception,
/// message) after checking the open shards are the same in both.
fn refused(shards: u32, duration_s: u32, extra: &str, with: &str, without: &str) -> (&'static str, String) {
    let a = report(&stream(shards, duration_s, extra, with));
    let b = report(&stream(shards, duration_s, extra, without));
    let (a, b) = (&a.points[0], &b.points[0]);
    assert_eq!(open_shards(a), open_shards(b), "a refused call must leave the shards unchanged");
    assert_eq!(a.shards.len(), b.shards.len(), "no shard was created by the refused call");
    let rejected: Vec<_> = a.reshard_operations.iter().filter(|o| o.status == "rejected").collect();
    assert_eq!(rejected.len(), 1, "{:?}", a.reshard_operations);
    assert!(b.reshard_operations.iter().all(|o| o.status == "completed"), "{:?}", b.reshard_operations);
    assert_eq!((rejected[0].started_at_s, rejected[0].completed_at_s), (None, None));
    assert!(rejected[0].shards_created.is_empty() && rejected[0].shards_closed.is_empty());
    (rejected[0].error.expect("an exception name"), rejected[0].message.clone().expect("a message"))
}

#[test]
fn a_call_while_updating_is_refused_with_resource_in_use() {
    // The doubling runs from 60 to 300 s; at 120 s the stream is UPDATING.
    let double = update(60, 16);
    let (e, m) = refused(8, 360, "", &(double.clone() + &update(120, 12)), &double);
    assert_eq!(e, "ResourceInUseException");
    assert!(m.contains("UPDATING"), "{m}");
}

#[test]
fn more_than_doubling_is_refused_with_the_configured_exception() {
    // 8 open shards: at most 16. Default: LimitExceededException.
    let (e, m) = refused(8, 120, "", &update(30, 17), "");
    assert_eq!(e, "LimitExceededException");
    assert!(m.contains("17") && m.contains("16"), "{m}");
    let (e, _) = refused(8, 120, "scale_limit_exception = \"InvalidArgumentException\"", &update(30, 17), "");
    assert_eq!(e, "InvalidArgumentException");
}

#[test]
fn merging_shards_that_are_not_neighbours_is_an_invalid_argument() {
    // Shards 0 and 2 of 8 have shard 1 between them.
    let (e, m) = refused(8, 120, "", &merge(30, 0, 2), "");
    assert_eq!(e, "InvalidArgumentException");
    assert!(m.contains("not an adjacent pair"), "{m}");
}

#[test]
fn splitting_a_shard_already_split_is_an_invalid_argument() {
    // Shard 0 splits at 10 s (done at 40 s, closed); splitting it again at
    // 60 s names a closed shard.
    let first = split(10, 0, "middle");
    let (e, m) = refused(2, 120, "", &(first.clone() + &split(60, 0, "middle")), &first);
    assert_eq!(e, "InvalidArgumentException");
    assert!(m.contains("has already been merged or split"), "{m}");
}

#[test]
fn an_eleventh_update_shard_count_within_24_hours_is_refused() {
    // 2 → 4 → 2 → … with 1 s steps: each call is done well before the next
    // 10 s later. Ten are allowed in a rolling day; the eleventh is not.
    let calls = |n: u32| -> String { (0..n).map(|k| update(10 * (k + 1), if k % 2 == 0 { 4 } else { 2 })).collect() };
    let (e, m) = refused(2, 200, "reshard_op_s = 1", &calls(11), &calls(10));
    assert_eq!(e, "LimitExceededException");
    assert!(m.contains("24 hours"), "{m}");
}

// ---------------------------------------------------------------- 3 ----

/// One shard at 200 records/s split in its middle at 60 s, read by a KCL
/// polling application whose worker processes 6 ms per record (batches of
/// up to 1,000, no idle): about 1,000 / 6.025 ≈ 166 records/s per worker,
/// so shard 0 has a backlog of roughly 60·34 ≈ 2,000 records when it closes.
/// Each child gets its own worker, so the children together read ~330/s.
fn kcl_split(duration_s: u32, ordering: &str) -> Report {
    let c = consumer(
        "polling",
        "kcl",
        &format!(
            "ordering = \"{ordering}\"\nmax_records = 1000\nprocess_ms_per_record = 6\nidle_time_between_reads_ms = 0"
        ),
    );
    // The schedule goes after [stream]'s keys, before [[producers]].
    let schedule = split(60, 0, "middle");
    report(&consumer_scenario(1, 200, duration_s, "", &c).replace("[[producers]]", &format!("{schedule}[[producers]]")))
}

#[test]
fn kcl_reads_parents_first_across_a_split_and_keeps_every_key_in_order() {
    let r = kcl_split(300, "parent_first");
    let p = &r.points[0];
    let c = &p.consumers[0];
    let put = p.producers.total.records_put;
    assert_eq!(p.reshard_operations[0].completed_at_s, Some(90.0), "one split of 30 s");
    assert_eq!(c.out_of_order_records, 0);
    assert_eq!(c.duplicates, 0);
    assert_eq!(c.records_delivered + c.records_unread + c.records_expired, put);
    // The children were read (they caught up after the parent).
    let parent_in = p.shards[0].incoming_records;
    assert!(c.records_delivered > parent_in, "{} ≤ {parent_in}", c.records_delivered);

    // The same application reading children at once delivers some keys
    // ahead of the parent's backlog of the same key.
    let ignoring = kcl_split(300, "ignore_parents");
    let i = &ignoring.points[0].consumers[0];
    assert!(i.out_of_order_records > 0, "the parent had a backlog of the children's keys");
    assert_eq!(
        i.records_delivered + i.records_unread + i.records_expired,
        ignoring.points[0].producers.total.records_put
    );
}

#[test]
fn kcl_parent_first_delivers_no_child_record_before_the_parent_is_drained() {
    // Cut the run at 100 s: by then the worker has read ~166·100 ≈ 16,600
    // of the parent's ~18,000 records (200/s up to 90 s), so the parent has
    // not ended. Parent-first, nothing of the children may have been
    // delivered: every delivered record is the parent's, and every child
    // record is unread. Ignoring parents, the children are read at once.
    let r = kcl_split(100, "parent_first");
    let p = &r.points[0];
    let c = &p.consumers[0];
    let parent_in = p.shards[0].incoming_records;
    let children_in = p.shards[1].incoming_records + p.shards[2].incoming_records;
    assert!(children_in > 0);
    assert!(c.records_delivered < parent_in, "the parent still has a backlog: {} of {parent_in}", c.records_delivered);
    assert!(c.records_unread >= children_in, "unread {} < children's {children_in}", c.records_unread);
    assert_eq!(c.records_delivered + c.records_unread, p.producers.total.records_put);

    let i = kcl_split(100, "ignore_parents");
    let ip = &i.points[0];
    let ic = &ip.consumers[0];
    let i_children = ip.shards[1].incoming_records + ip.shards[2].incoming_records;
    assert!(ic.records_unread < i_children, "children read at once: unread {} of {i_children}", ic.records_unread);
}

/// A KPL producer (4 instances, 4,000 records/s of 200 B over 10,000
/// keys, default settings: aggregation on, 100 ms buffering) writing to 2
/// shards, shard 0 split in its middle at 30 s (children open at 60 s), with
/// a KCL application reading everything; `kpl` adds `[producers.kpl]` lines.
fn kpl_split(duration_s: u32, kpl: &str) -> Report {
    report(&kpl_split_text(duration_s, kpl))
}

fn kpl_split_text(duration_s: u32, kpl: &str) -> String {
    format!(
        "[scenario]\nname = \"k\"\nseed = 9\nduration_s = {duration_s}\n\
         [stream]\nshard_count = 2\n{}\n\
         [[producers]]\nname = \"p\"\nclient = \"kpl\"\nrecords_per_s = 4000\ninstances = 4\n\
         record_bytes = {{ dist = \"fixed\", bytes = 200 }}\n\
         partition_key = {{ dist = \"uniform\", keys = 10000 }}\n\
         [producers.kpl]\n{kpl}\n{}",
        split(30, 0, "middle"),
        consumer("polling", "kcl", "idle_time_between_reads_ms = 200"),
    )
}

/// Producer and consumer conservation with the KPL's duplicates: every
/// record handed over is put, dropped or in flight, and the stream holds
/// each put record once plus one copy per "Wrong Shard" retry, which the
/// consumer delivers, delivers again, discards, or has not read.
fn assert_kpl_conservation(p: &Point) {
    let t = &p.producers.total;
    let k = p.producers.per_producer[0].kpl.as_ref().expect("a KPL group");
    assert_eq!(t.user_records, t.records_put + t.records_dropped + p.producers.records_in_flight);
    let stored = t.records_put + k.wrong_shard_retries;
    for c in &p.consumers {
        let read = c.records_delivered + c.duplicates_stored + c.records_discarded;
        assert_eq!(read + c.records_unread + c.records_expired, stored, "{}", c.name);
    }
    let incoming: u64 = p.shards.iter().map(|s| s.incoming_records).sum();
    assert_eq!(incoming, t.kinesis_records_put, "Kinesis records accepted, shard by shard");
}

#[test]
fn the_kpl_sends_stale_aggregates_where_their_first_key_belongs_and_refreshes_its_map_once() {
    let r = kpl_split(120, "");
    let p = &r.points[0];
    let k = p.producers.per_producer[0].kpl.as_ref().unwrap();
    assert_eq!(p.reshard_operations[0].completed_at_s, Some(60.0));
    // Aggregates predicted for shard 0 after it closed land on a child.
    assert!(k.unpredicted_shard_records > 0, "{k:?}");
    // An aggregate of shard 0's keys sent by its first key's hash holds,
    // about half the time, keys of the other child: those go again.
    assert!(k.wrong_shard_retries > 0 && k.wrong_shard_retries < k.unpredicted_shard_records, "{k:?}");
    // Each instance lists the shards once: after that its predictions are
    // right, and records still predicted for the closed shard 0 do not ask
    // again (it is not open in the new map).
    assert_eq!(k.shard_map_refreshes, 4);
    assert!(p.shards[2].incoming_records > 0 && p.shards[3].incoming_records > 0);
    assert_kpl_conservation(p);
    // The KCL's deaggregator drops every stale aggregate (each holds keys
    // of both children, ~40 records of 10,000 uniform keys): the records
    // sent again arrive in their second copy; the others, which the KPL
    // counted as put, never arrive.
    let c = &p.consumers[0];
    assert_eq!(c.records_discarded, k.unpredicted_shard_records);
    assert_eq!(c.records_lost, k.unpredicted_shard_records - k.wrong_shard_retries);
    assert_eq!(c.duplicates_stored, 0);
    // Nothing goes astray after the refresh: a run cut at 90 s saw the
    // same unpredicted records as one of 120 s.
    let short = kpl_split(90, "");
    let ks = short.points[0].producers.per_producer[0].kpl.as_ref().unwrap();
    assert_eq!(
        (ks.unpredicted_shard_records, ks.wrong_shard_retries, ks.shard_map_refreshes),
        (k.unpredicted_shard_records, k.wrong_shard_retries, k.shard_map_refreshes)
    );
}

#[test]
fn a_lambda_function_gets_the_kpls_retried_records_twice() {
    // Lambda hands the aggregates to the function, which deaggregates
    // without a range check: nothing is dropped, and each record the KPL
    // sent again is delivered twice.
    let r = report(
        &kpl_split_text(120, "").replace("kind = \"polling\"\nidle_time_between_reads_ms = 200", "kind = \"lambda\""),
    );
    let p = &r.points[0];
    let k = p.producers.per_producer[0].kpl.as_ref().unwrap();
    let c = &p.consumers[0];
    assert_eq!((c.records_discarded, c.records_lost), (0, 0));
    assert!(k.wrong_shard_retries > 0);
    assert_eq!(c.duplicates_stored, k.wrong_shard_retries, "every copy read by the end");
    assert_kpl_conservation(p);
}

#[test]
fn without_aggregation_only_records_sent_before_the_refresh_go_again() {
    // A plain record carries its own key, so it lands where it belongs.
    // Before the refresh the KPL does not know that child, so the record
    // goes again ("Wrong Shard"); afterwards the child's range is cached
    // and the key fits it, so records still predicted for shard 0 are put.
    let r = kpl_split(120, "aggregation_enabled = false");
    let p = &r.points[0];
    let k = p.producers.per_producer[0].kpl.as_ref().unwrap();
    assert!(k.wrong_shard_retries > 0, "{k:?}");
    assert!(k.unpredicted_shard_records > k.wrong_shard_retries, "{k:?}");
    assert_eq!(k.shard_map_refreshes, 4);
    assert_kpl_conservation(p);
}

// ---------------------------------------------------------------- 4 ----

/// Two shards at 250 records/s each, merged at 60 s (one merge of 30 s:
/// the child opens at 90 s), read by a Lambda mapping spending 5 ms per
/// record: under 200 records/s per shard, so each parent still holds a
/// backlog of at least 90·(250 − 200) = 4,500 records when it closes.
fn lambda_merge(duration_s: u32) -> Point {
    let c = consumer("lambda", "fn", "process_ms_per_record = 5");
    let schedule = merge(60, 0, 1);
    let text =
        consumer_scenario(2, 500, duration_s, "", &c).replace("[[producers]]", &format!("{schedule}[[producers]]"));
    report(&text).points.swap_remove(0)
}

#[test]
fn lambda_reads_across_a_merge_without_losing_records() {
    let p = lambda_merge(400);
    let c = &p.consumers[0];
    let put = p.producers.total.records_put;
    let op = &p.reshard_operations[0];
    assert_eq!((op.status, op.completed_at_s, op.shards_created.clone()), ("completed", Some(90.0), vec![id(2)]));
    assert_eq!(op.shards_closed, vec![id(0), id(1)]);
    assert_eq!(p.shards[2].parent_shard_id, Some(id(0)));
    assert_eq!(p.shards[2].adjacent_parent_shard_id, Some(id(1)));
    assert_eq!(p.shards[2].created_at_s, 90.0);
    assert_eq!(c.records_delivered + c.records_unread, put);
    assert_eq!(c.records_expired, 0);
    assert_eq!(c.duplicates, 0);
    // (Key order is the next test's subject: a Lambda mapping never reads a
    // child before its parents are done, so it has no out-of-order count.)
    // The child was read: more was delivered than the parents ever held.
    assert!(c.records_delivered > p.shards[0].incoming_records + p.shards[1].incoming_records);
}

#[test]
fn lambda_starts_the_merged_child_only_after_both_parents_are_done() {
    // At 100 s the parents' backlogs (≥ 4,500 records each at 90 s, read
    // at < 200/s) are not yet drained, so none of the child's ~5,000
    // records may have been delivered.
    let p = lambda_merge(100);
    let c = &p.consumers[0];
    let parents_in = p.shards[0].incoming_records + p.shards[1].incoming_records;
    let child_in = p.shards[2].incoming_records;
    assert!(child_in > 4_000, "{child_in}");
    assert!(c.records_delivered < parents_in, "parents still have a backlog: {} of {parents_in}", c.records_delivered);
    assert!(c.records_unread >= child_in, "unread {} < child's {child_in}", c.records_unread);
    assert_eq!(c.records_delivered + c.records_unread, p.producers.total.records_put);
}

// ---------------------------------------------------------------- 5 ----

#[test]
fn a_resharding_sweep_is_byte_identical_at_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let dir = tmp.path().join(threads);
        shardsim()
            .args(["run", "scenarios/reshard-double.toml", "--quiet", "--threads", threads])
            .args(["--set", "scenario.duration_s=200", "--sweep", "producers.0.client=sdk,kpl", "--out"])
            .arg(&dir)
            .assert()
            .success();
        fs::read(dir.join("reshard-double").join("report.json")).expect("report written")
    };
    let one = run("1");
    let two = run("2");
    assert!(one == two, "1 thread vs 2 threads differ");
    // The run did reshard (so the comparison covers it).
    let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let ops = &json["points"][0]["reshard_operations"];
    assert_eq!(ops.as_array().map(Vec::len), Some(2), "{ops}");
    assert_eq!(ops[1]["error"], "ResourceInUseException");
    // The KPL configuration wrote across it with a stale map.
    let kpl = &json["points"][1]["producers"]["per_producer"][0]["kpl"];
    assert!(kpl["unpredicted_shard_records"].as_u64() > Some(0), "{kpl}");
}

// ---------------------------------------------------------------- 6 ----

/// `shardsim check` of `text`: exit 2, no panic, and stderr naming the file
/// at `line` (1-based) and every needle.
fn check_rejects(text: &str, line: usize, needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    fs::write(&path, text).unwrap();
    let out = shardsim().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let at = format!("bad.toml:{line}:");
    assert!(stderr.contains(&at), "missing {at:?} in: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "missing {n:?} in: {stderr}");
    }
}

/// The 1-based line of the first line of `text` starting with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} in {text}")) + 1
}

/// An 8-shard, 120 s scenario with one reshard table.
fn bad(schedule: &str) -> String {
    stream(8, 120, "", schedule)
}

#[test]
fn bad_reshard_entries_exit_2_naming_key_and_line() {
    // (schedule, key whose line is reported, message needles)
    let cases: Vec<(String, &str, Vec<&str>)> = vec![
        (split(30, 99, "middle"), "shard =", vec!["stream.reshard[0].shard", "shardId-000000000099", "does not exist"]),
        (
            split(30, 0, "middle").replace("shardId-000000000000", "shard-7"),
            "shard =",
            vec!["stream.reshard[0].shard", "shard-7"],
        ),
        (split(30, 0, "12x"), "new_starting_hash_key", vec!["stream.reshard[0].new_starting_hash_key", "12x"]),
        (
            split(30, 0, "340282366920938463463374607431768211456"),
            "new_starting_hash_key",
            vec!["stream.reshard[0].new_starting_hash_key"],
        ),
        // Shard 0 of 8 ends at 2^125 − 1; 2^125 is shard 1's first key.
        (
            split(30, 0, &(1u128 << 125).to_string()),
            "new_starting_hash_key",
            vec!["stream.reshard[0].new_starting_hash_key", "not inside shardId-000000000000"],
        ),
        (update(30, 16).replace("at_s = 30", "at_s = -1"), "at_s", vec!["stream.reshard[0].at_s", "-1"]),
        (update(120, 16), "at_s", vec!["stream.reshard[0].at_s", "duration_s"]),
        (update(30, 16).replace("update_shard_count", "resize"), "op =", vec!["stream.reshard[0].op", "resize"]),
    ];
    for (schedule, key, needles) in cases {
        let text = bad(&schedule);
        check_rejects(&text, line_of(&text, key), &needles);
    }
    // A second entry is located as [1].
    let text = bad(&(update(30, 16) + &merge(40, 0, 42)));
    check_rejects(&text, line_of(&text, "adjacent ="), &["stream.reshard[1].adjacent", "shardId-000000000042"]);
}

// ---------------------------------------------------------------- 7 ----

#[test]
fn check_warns_about_the_refused_second_call_of_reshard_double() {
    let out = shardsim().args(["check", "scenarios/reshard-double.toml"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let warnings: Vec<&str> = stdout.lines().filter(|l| l.starts_with("warning:")).collect();
    // Only the call at 120 s (during the doubling of 60–300 s) is refused.
    assert_eq!(warnings.len(), 1, "{stdout}");
    assert!(warnings[0].contains("ResourceInUseException"), "{}", warnings[0]);
    assert!(warnings[0].contains("call 2 at 120 s"), "{}", warnings[0]);
}

#[test]
fn a_lambda_mapping_refuses_ignore_parents_rather_than_ignoring_it() {
    let c = consumer("lambda", "fn", "ordering = \"ignore_parents\"");
    let text = consumer_scenario(2, 100, 60, "", &c);
    let err = shardsim::scenario::load("x.toml", &text, &[]).expect_err("refused").to_string();
    assert!(err.contains("consumers[0].ordering") && err.contains("finishes parent shards first"), "{err}");
}

#[test]
fn firehose_reads_across_a_split_with_kpl_aggregates_and_loses_nothing() {
    // The KPL split of above, read by the KCL application and by a Firehose
    // stream delivering every 10 s: each accounts for every stored record.
    let text = format!("{}{}", kpl_split_text(180, ""), consumer("firehose", "archive", "buffering_interval_s = 10"));
    let r = report(&text);
    let p = &r.points[0];
    assert_kpl_conservation(p);
    let f = &p.consumers[1];
    assert_eq!(f.kind, "firehose");
    // It read the children too: the split's children take half the keys
    // from 60 s on, yet at the end no more than one buffer's worth (10 s
    // of 4,000 records/s, plus a read) is left unread.
    assert!(p.shards.len() == 4 && p.shards[2].incoming_records > 0);
    assert!(f.records_unread < 4_000 * 12, "{} unread", f.records_unread);
    assert_eq!(f.out_of_order_records, 0);
}
