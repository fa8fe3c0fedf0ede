//! The KPL client against closed forms and against the SDK client: what
//! aggregation buys (records/s), what buffering costs (latency), and what
//! the TTL does under overload.

use crate::common::{report, run};
use shardsim::report::{ConsumerReport, ProducerReport};

/// One producer of `records_per_s` records of `bytes` bytes on `shards`
/// shards for `duration_s`, with `client` and extra `[producers.kpl]` and
/// `[producers.sdk]` lines, and an enhanced fan-out reader.
fn scenario(
    shards: u32,
    records_per_s: u32,
    bytes: u32,
    duration_s: u32,
    client: &str,
    kpl: &str,
    sdk: &str,
) -> String {
    format!(
        "[scenario]\nname = \"kpl\"\nseed = 21\nduration_s = {duration_s}\n\
         [stream]\nshard_count = {shards}\n\
         [[producers]]\nname = \"p\"\nclient = \"{client}\"\nrecords_per_s = {records_per_s}\n\
         record_bytes = {{ dist = \"fixed\", bytes = {bytes} }}\n\
         [producers.kpl]\n{kpl}\n[producers.sdk]\n{sdk}\n\
         [[consumers]]\nname = \"r\"\nkind = \"efo\"\n"
    )
}

fn producer_and_reader(text: &str) -> (ProducerReport, ConsumerReport, u64) {
    let r = report(text);
    let p = &r.points[0];
    (p.producers.per_producer[0].clone(), p.consumers[0].clone(), p.producers.records_in_flight)
}

#[test]
fn small_records_throttle_the_sdk_three_times_in_four_and_the_kpl_never() {
    // 4,000 records/s of 100 bytes into one shard for 60 s.
    let sdk = producer_and_reader(&scenario(1, 4_000, 100, 60, "sdk", "", "max_attempts = 1")).0;
    // The shard takes 1,000 records/s plus its 1,000-record depth:
    // 61,000 of ~240,000, so 1 − 61/240 ≈ 0.746 of attempts fail.
    assert!((sdk.figures.throttle_rate - 0.746).abs() < 0.01, "{}", sdk.figures.throttle_rate);
    let (kpl, _, in_flight) = producer_and_reader(&scenario(1, 4_000, 100, 60, "kpl", "", ""));
    let f = &kpl.figures;
    assert_eq!((f.write_throttled, f.records_dropped, f.retries), (0, 0, 0));
    assert_eq!(f.user_records, f.records_put + in_flight);
    // 100 ms of records (~400 × ~115 estimated bytes ≈ 46 KB) fit in one
    // 51,200-byte aggregate, so the deadline closes them: ~10 per second
    // (4,000 × 100 B / 51,200 B ≈ 8 would be the size-bound rate).
    let per_s = f.kinesis_records_put as f64 / 60.0;
    assert!((8.0..=10.5).contains(&per_s), "{per_s} Kinesis records/s");
    let k = kpl.kpl.as_ref().expect("KPL metrics");
    assert!((380.0..=500.0).contains(&k.user_records_per_kinesis_record), "{}", k.user_records_per_kinesis_record);
}

#[test]
fn buffering_adds_about_record_max_buffered_time_and_a_shorter_one_sends_more_records() {
    // Light load: ~1 record per shard per second, so almost every record
    // waits alone for its whole deadline (plus the collector's 20 ms).
    let light = |client, kpl| producer_and_reader(&scenario(4, 4, 500, 600, client, kpl, "api = \"put_record\"")).1;
    let sdk_p50 = light("sdk", "").end_to_end_latency_ms.p50;
    let kpl_p50 = light("kpl", "").end_to_end_latency_ms.p50;
    assert!((90.0..=130.0).contains(&(kpl_p50 - sdk_p50)), "SDK p50 {sdk_p50} ms, KPL p50 {kpl_p50} ms");
    let short_p50 = light("kpl", "record_max_buffered_time_ms = 10").end_to_end_latency_ms.p50;
    assert!((5.0..=20.0).contains(&(short_p50 - sdk_p50)), "SDK p50 {sdk_p50} ms, KPL(10 ms) p50 {short_p50} ms");
    // Heavier load: 500 records/s per shard aggregate; a 10 ms deadline
    // closes aggregates ten times as often.
    let busy = |kpl| producer_and_reader(&scenario(4, 2_000, 200, 30, "kpl", kpl, ""));
    let (long, long_reader, _) = busy("");
    let (short, short_reader, _) = busy("record_max_buffered_time_ms = 10");
    let (a, b) = (long.figures.kinesis_records_put, short.figures.kinesis_records_put);
    assert!(b > 5 * a, "100 ms: {a} Kinesis records, 10 ms: {b}");
    let (pa, pb) = (long_reader.end_to_end_latency_ms.p50, short_reader.end_to_end_latency_ms.p50);
    assert!(pa - pb > 50.0, "p50 {pa} ms at 100 ms, {pb} ms at 10 ms");
}

#[test]
fn overload_expires_records_past_their_ttl_and_conserves_the_rest() {
    // 2 MiB/s of 1 KiB records into one shard: the limiter passes 1.5 MiB/s,
    // the shard takes 1 MiB/s, and the queue behind the limiter only grows.
    let text = scenario(1, 2_000, 1_024, 60, "kpl", "record_ttl_ms = 2000", "");
    let (s, o) = run(&text);
    let c = &o.producers[0];
    assert!(c.user_records_expired > 10_000, "{c:?}");
    assert_eq!(c.records_dropped, c.user_records_expired, "only expiry drops without fail_if_throttled");
    assert!(c.retries > 0 && c.write_throttled > 0);
    assert_eq!(c.user_records, c.records_put + c.records_dropped + o.records_in_flight);
    // The shard still runs at its byte limit: ~1 MiB/s of aggregates.
    let mib_per_s = c.bytes_put as f64 / 60.0 / 1_048_576.0;
    assert!((0.9..=1.05).contains(&mib_per_s), "{mib_per_s} MiB/s");
    // The reader sees every record put, once.
    let m = &o.consumers[0];
    assert_eq!(m.meter.records_delivered + m.meter.records_expired + m.records_unread, c.records_put, "{s:?}");

    let strict = scenario(1, 2_000, 1_024, 60, "kpl", "record_ttl_ms = 2000\nfail_if_throttled = true", "");
    let (_, o) = run(&strict);
    let c = &o.producers[0];
    assert_eq!(c.retries, 0, "throttled records fail at once");
    assert!(c.records_dropped > c.user_records_expired);
    assert_eq!(c.user_records, c.records_put + c.records_dropped + o.records_in_flight);
}

#[test]
fn kpl_runs_are_deterministic_and_the_seed_matters() {
    let text = scenario(3, 3_000, 300, 20, "kpl", "", "");
    let a = serde_json::to_string(&report(&text)).unwrap();
    assert_eq!(a, serde_json::to_string(&report(&text)).unwrap());
    let other = serde_json::to_string(&report(&text.replace("seed = 21", "seed = 22"))).unwrap();
    assert_ne!(a, other);
}

#[test]
fn aggregation_disabled_sends_each_record_alone_through_the_limiter() {
    // 1,200 records/s on one shard: without aggregation the KPL's limiter
    // (1,500 records/s) lets them all through and the shard throttles.
    let (p, _, _) = producer_and_reader(&scenario(1, 1_200, 100, 30, "kpl", "aggregation_enabled = false", ""));
    let f = &p.figures;
    assert_eq!(f.kinesis_records_put, f.records_put);
    assert!(f.write_throttled > 0);
    assert_eq!(p.kpl.as_ref().unwrap().user_records_per_kinesis_record, 1.0);
}

#[test]
fn lambda_counts_an_aggregate_as_one_record_of_its_batch() {
    let text =
        scenario(1, 2_000, 100, 30, "kpl", "", "").replace("kind = \"efo\"\n", "kind = \"lambda\"\nbatch_size = 10\n");
    let r = report(&text);
    let (p, c) = (&r.points[0].producers.per_producer[0].figures, &r.points[0].consumers[0]);
    // ~10 aggregates of ~200 user records each per second: a batch of up
    // to 10 Kinesis records carries far more than 10 user records.
    assert!(c.invocations > 0 && c.invocations >= p.kinesis_records_put / 10 - 5, "{c:?}");
    assert!(c.records_delivered as f64 / c.invocations as f64 > 100.0, "{c:?}");
    assert_eq!(c.records_delivered + c.records_expired + c.records_unread, p.records_put);
}
