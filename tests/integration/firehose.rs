//! Firehose streams reading the stream: buffering by age and by size, the
//! shared read limits, 5 KB billing increments, and conservation of
//! records, against closed forms.

use shardsim::report::ConsumerReport;

use crate::common::{consumer, consumer_scenario, report};

/// One Firehose stream over `shards` shards carrying `records_per_s`
/// records of 200 bytes (data 200 B + a key; see `consumer_scenario`) for
/// `duration_s`, with `extra` keys; also returns the records put.
fn firehose(shards: u32, records_per_s: u32, duration_s: u32, extra: &str) -> (ConsumerReport, u64) {
    let r = report(&consumer_scenario(shards, records_per_s, duration_s, "", &consumer("firehose", "archive", extra)));
    (r.points[0].consumers[0].clone(), r.points[0].producers.total.records_put)
}

#[test]
fn low_volume_is_delivered_when_the_buffering_interval_runs_out() {
    // 100 records/s of ~200 B: 5 MiB would take ~4 minutes, so every
    // buffer goes when its oldest record has waited the 60 s interval.
    let (c, put) = firehose(2, 100, 1_800, "buffering_interval_s = 60");
    let f = c.firehose.as_ref().expect("a Firehose report");
    assert_eq!(c.kind, "firehose");
    assert_eq!(c.records_delivered + c.records_unread, put, "every record delivered or still buffered");
    assert_eq!(c.records_expired + c.duplicates + c.read_throttled, 0);
    // Freshness at delivery is the interval, up to the HDR resolution.
    assert!((f.data_freshness_ms.p50 - 60_000.0).abs() < 100.0, "{:?}", f.data_freshness_ms);
    assert!(f.data_freshness_ms.max < 60_100.0);
    // Records arrive evenly over the interval: each waits 30 s on average.
    assert!((f.delivery_latency_ms.mean - 30_000.0).abs() < 1_000.0, "{:?}", f.delivery_latency_ms);
    // 1,800 s / 60 s = 30 buffers, the last one still open at the end.
    assert!((29..=30).contains(&f.deliveries), "{} deliveries", f.deliveries);
    // Two shards, one call a second each.
    assert!((c.get_records_calls as i64 - 3_600).abs() <= 2, "{} calls", c.get_records_calls);
}

#[test]
fn high_volume_is_delivered_when_the_buffer_reaches_its_size() {
    // 4 shards × 900 records/s of 1,000 B + a key of at most 30 B: 3.4 to
    // 3.5 MiB/s fills 5 MiB in 1.41 to 1.46 s, long before the 300 s
    // default interval.
    let text = consumer_scenario(4, 3_600, 300, "", &consumer("firehose", "archive", ""))
        .replace("bytes = 200", "bytes = 1000");
    let r = report(&text);
    let (c, put) = (&r.points[0].consumers[0], r.points[0].producers.total.records_put);
    let f = c.firehose.as_ref().unwrap();
    let buffer = 5.0 * 1_048_576.0;
    let fill_s = |record_bytes: f64| buffer / (3_600.0 * record_bytes);
    // The record that fills a buffer goes with it, and the rest of its
    // read starts the next, so a buffer's freshness at delivery is the
    // time since the last delivery: the fill time on average. Reads come
    // once a second per shard, so single buffers vary around it by up to
    // about a second.
    let fresh_s = f.data_freshness_ms.mean / 1_000.0;
    assert!(fresh_s >= fill_s(1_030.0) - 0.05 && fresh_s <= fill_s(1_000.0) + 0.05, "{:?}", f.data_freshness_ms);
    assert!(f.data_freshness_ms.max / 1_000.0 < fill_s(1_000.0) + 1.0, "{:?}", f.data_freshness_ms);
    assert_eq!(c.records_delivered + c.records_unread, put);
    // Each buffer goes at the record that fills it: deliveries are the
    // bytes read over 5 MiB, rounded down.
    let deliveries = |record_bytes: f64| (put as f64 * record_bytes / buffer).floor() as u64;
    assert!((deliveries(1_000.0)..=deliveries(1_030.0)).contains(&f.deliveries), "{}", f.deliveries);
}

#[test]
fn ingestion_is_billed_in_5_kb_increments() {
    // ~200-byte records bill as 5 KB each: 100 records/s for 600 s.
    let (c, _) = firehose(1, 100, 600, "buffering_interval_s = 0");
    let f = c.firehose.as_ref().unwrap();
    // With a zero interval each read is delivered as it arrives (25 ms
    // after the call): everything read was delivered, one delivery per
    // non-empty read.
    let read = c.records_delivered as f64;
    assert!((f.ingested_gb_billed - read * 5_120.0 / (1u64 << 30) as f64).abs() < 1e-9, "{}", f.ingested_gb_billed);
    assert!(f.delivery_latency_ms.max < 1.0, "{:?}", f.delivery_latency_ms);
    assert!((f.deliveries as i64 - 600).abs() <= 2, "{}", f.deliveries);
}

#[test]
fn firehose_competes_for_the_shards_five_calls_a_second() {
    // Five polling KCL apps at 200 ms already ask for more than 5 calls/s:
    // the Firehose's once-a-second calls are throttled too, and retried
    // the next second; nothing is lost.
    let fast = "idle_time_between_reads_ms = 200";
    let apps: String = (0..5).map(|i| consumer("polling", &format!("app{i}"), fast)).collect();
    let all = format!("{apps}{}", consumer("firehose", "archive", "buffering_interval_s = 60"));
    let r = report(&consumer_scenario(1, 500, 600, "", &all));
    let (fh, put) = (&r.points[0].consumers[5], r.points[0].producers.total.records_put);
    assert!(fh.read_throttled > 0, "{fh:?}");
    assert_eq!(fh.records_delivered + fh.records_unread, put);
    let alone = firehose(1, 500, 600, "buffering_interval_s = 60").0;
    assert_eq!(alone.read_throttled, 0);
}

#[test]
fn settings_other_kinds_take_are_refused() {
    let text = |extra: &str| consumer_scenario(1, 10, 60, "", &consumer("firehose", "archive", extra));
    for (extra, says) in [
        ("process_ms_per_record = 2", "takes no processing time"),
        ("ordering = \"ignore_parents\"", "reads parent shards first"),
        ("buffering_size_mib = 129", "buffering_size_mib"),
        ("buffering_interval_s = 901", "buffering_interval_s"),
        ("idle_time_between_reads_ms = 200", "unknown key"),
    ] {
        let err = shardsim::scenario::load("x.toml", &text(extra), &[]).expect_err(extra);
        let shown = format!("{err:?}");
        assert!(shown.contains(says), "{extra}: {shown}");
    }
}
