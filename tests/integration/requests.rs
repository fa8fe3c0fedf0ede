//! Put requests against closed forms: round trips and slots bound a
//! client's calls per second, a client waiting for a slot buffers its
//! records, and a request that times out after the shards stored it
//! stores its records twice — counted once by the producer as put, once
//! as a duplicate, and delivered twice by every reader.

use crate::common::{assert_conserved, point, run};

/// One instance of `client` offering `records_per_s` 200-byte records,
/// evenly spaced, on 8 shards for `duration_s`, with the client's extra
/// lines, and a polling reader.
fn scenario(client: &str, records_per_s: u32, duration_s: u32, extra: &str) -> String {
    format!(
        "[scenario]\nname = \"req\"\nseed = 17\nduration_s = {duration_s}\n\
         [stream]\nshard_count = 8\n\
         [[producers]]\nname = \"p\"\nclient = \"{client}\"\nrecords_per_s = {records_per_s}\narrival = \"constant\"\n\
         record_bytes = {{ dist = \"fixed\", bytes = 200 }}\n\
         [producers.{client}]\n{extra}\n\
         [[consumers]]\nname = \"r\"\nkind = \"polling\"\nidle_time_between_reads_ms = 200\n"
    )
}

#[test]
fn a_synchronous_client_with_20_ms_round_trips_makes_at_most_50_calls_a_second() {
    // 1,000 PutRecord calls a second offered; each takes exactly 20 ms.
    let sync = scenario("sdk", 1_000, 60, "api = \"put_record\"\nrequest_latency_ms = { dist = \"fixed\", ms = 20 }");
    let p = point(&sync);
    let f = &p.producers.total;
    // One slot: a call every 20 ms from the first record at 0.5 ms, so
    // 3,000 calls in 60 s (the one leaving at 59.9805 s arrives after the
    // end and is in flight).
    assert!((2_999..=3_000).contains(&f.put_calls), "{f:?}");
    assert_eq!(f.records_put, f.put_calls, "PutRecord: one record a call");
    // The rest wait for the slot: the backlog grows by 950 records a
    // second, and the last call waited almost the whole run.
    assert!(p.producers.records_in_flight > 56_000, "{}", p.producers.records_in_flight);
    let wait = &p.producers.per_producer[0].requests.slot_wait_ms;
    assert!(wait.max > 55_000.0 && wait.p50 > 25_000.0, "{wait:?}");
    // (The histogram keeps 3 significant digits of microseconds.)
    assert!((p.producers.per_producer[0].requests.latency_ms.max - 20.0).abs() < 0.05);
    assert_conserved(&p);

    // Ten slots: ten times the calls.
    let p10 = point(&sync.replace("api = \"put_record\"", "api = \"put_record\"\nmax_concurrent_requests = 10"));
    let calls = p10.producers.total.put_calls;
    assert!((29_990..=30_000).contains(&calls), "{calls}");
    assert_conserved(&p10);

    // Twenty slots carry the whole offer: every call leaves at once.
    let p20 = point(&sync.replace("api = \"put_record\"", "api = \"put_record\"\nmax_concurrent_requests = 20"));
    assert!(p20.producers.records_in_flight <= 20, "{}", p20.producers.records_in_flight);
    assert!(p20.producers.per_producer[0].requests.slot_wait_ms.max < 0.01);
}

#[test]
fn calls_waiting_for_the_slot_leave_together_as_one_batch() {
    // PutRecords every 10 ms (linger) while a round trip takes 50 ms: the
    // batches closing behind a call leave with the next one, so the client
    // keeps up with 2,000 records/s in about 20 calls a second.
    let text = scenario(
        "sdk",
        2_000,
        60,
        "linger_ms = 10\nbatch_max_records = 500\nrequest_latency_ms = { dist = \"fixed\", ms = 50 }",
    );
    let p = point(&text);
    let f = &p.producers.total;
    let calls_per_s = f.put_calls as f64 / 60.0;
    assert!((19.0..=20.0).contains(&calls_per_s), "{calls_per_s} calls/s");
    assert!(p.producers.records_in_flight < 200, "{}", p.producers.records_in_flight);
    assert_conserved(&p);
}

#[test]
fn a_kpl_with_one_slow_connection_buffers_until_records_expire() {
    // One connection, 1 s round trips: at most one PutRecords a second of
    // at most 10 records (collection_max_count), for 500 records/s.
    let text = scenario(
        "kpl",
        500,
        60,
        "aggregation_enabled = false\ncollection_max_count = 10\nmax_connections = 1\n\
         request_latency_ms = { dist = \"fixed\", ms = 1000 }\nrecord_ttl_ms = 5000",
    );
    let p = point(&text);
    let kpl = p.producers.per_producer[0].kpl.as_ref().expect("KPL metrics");
    assert!((59..=60).contains(&kpl.put_records_requests), "{kpl:?}");
    let f = &p.producers.total;
    assert!(f.records_put <= 600, "{f:?}");
    // Almost everything else expires in the queue behind the connection.
    assert!(f.user_records_expired > 25_000, "{f:?}");
    assert_eq!(f.records_dropped, f.user_records_expired);
    assert!(kpl.buffering_time_ms.p50 >= 1_000.0, "{:?}", kpl.buffering_time_ms);
    assert_conserved(&p);

    // Its default 24 connections and 500-record PutRecords carry the load.
    let p24 = point(&text.replace("collection_max_count = 10\nmax_connections = 1\n", ""));
    assert_eq!(p24.producers.total.user_records_expired, 0);
    assert_conserved(&p24);
}

/// 1 % of requests take 8 s, beyond a 6 s timeout.
const ONE_IN_A_HUNDRED_TIMES_OUT: &str =
    "request_latency_ms = { dist = \"discrete\", ms = [20, 8000], weights = [99, 1] }\nrequest_timeout_ms = 6000";

#[test]
fn a_timed_out_put_that_the_shard_stored_is_stored_again() {
    // PutRecord, 100 slots so slow calls do not hold the others up: 50,000
    // calls, of which 1 % time out after the shard stored their record.
    let text = scenario(
        "sdk",
        500,
        100,
        &format!("api = \"put_record\"\nmax_concurrent_requests = 100\n{ONE_IN_A_HUNDRED_TIMES_OUT}"),
    );
    let p = point(&text);
    let f = &p.producers.total;
    // Calls include the retries; Binomial(~50,500, 1 %) has sd ~100: 5 sd.
    let expected = 0.01 * f.put_calls as f64;
    assert!((f.requests_timed_out as f64 - expected).abs() < 5.0 * expected.sqrt(), "{f:?}");
    // Each timed-out call's record went again and was stored again: one
    // duplicate per timeout, but for those whose retry had not landed at
    // the end (answers come 6 s late: 1 % of the last ~6 s of calls).
    assert!(f.duplicates_put <= f.requests_timed_out, "{f:?}");
    assert!(f.requests_timed_out - f.duplicates_put <= 60, "{f:?}");
    assert_eq!(f.write_throttled, 0);
    // The reader delivers every stored copy again, and says why.
    let c = &p.consumers[0];
    assert_eq!(c.duplicates_by_cause.request_timeout, c.duplicates_stored);
    assert_eq!(c.duplicates, c.duplicates_stored);
    assert!(f.duplicates_put - c.duplicates_stored <= c.records_unread, "{c:?}");
    assert_conserved(&p);
}

#[test]
fn a_kpl_request_timing_out_stores_its_records_twice_and_conserves_the_rest() {
    let text = scenario("kpl", 2_000, 120, ONE_IN_A_HUNDRED_TIMES_OUT);
    let (_, o) = run(&text);
    let c = &o.producers[0];
    assert!(c.requests_timed_out > 0 && c.duplicates_put > 0, "{c:?}");
    // Every user record of a timed-out PutRecords the shards accepted is
    // stored again: aggregates of ~200 records make ~200 copies a timeout.
    assert!(c.duplicates_put >= 50 * c.requests_timed_out.saturating_sub(3), "{c:?}");
    let m = &o.consumers[0].meter;
    assert_eq!(m.duplicates_by_cause.request_timeout, m.duplicates_stored);
    let p = point(&text);
    assert_conserved(&p);
}

#[test]
fn put_record_bytes_are_real_in_incoming_bytes_and_rounded_in_write_limit_bytes() {
    // 300 PutRecord calls a second of 1,100-byte data under the 4-byte key
    // "abcd": 1,104 real bytes each, which the write limit charges as 2,048
    // (each record rounded up to whole KiB). 300 × 2,048 B/s = 58.6 % of
    // the 1 MiB/s limit, 300 records/s = 30 % of 1,000: bytes bind.
    let text = "[scenario]\nname = \"bytes\"\nseed = 5\nduration_s = 20\n[stream]\nshard_count = 1\n\
                [[producers]]\nname = \"p\"\nrecords_per_s = 300\narrival = \"constant\"\n\
                record_bytes = { dist = \"fixed\", bytes = 1100 }\npartition_key = { dist = \"fixed\", key = \"abcd\" }\n\
                [producers.sdk]\napi = \"put_record\"\nrequest_latency_ms = { dist = \"fixed\", ms = 0 }\n";
    let p = point(text);
    let (s, shard, t) = (&p.stream, &p.shards[0], &p.timeseries);
    assert!(s.incoming_records > 5_000 && s.write_throttled == 0, "{} records", s.incoming_records);
    assert_eq!((s.incoming_bytes, s.write_limit_bytes), (s.incoming_records * 1_104, s.incoming_records * 2_048));
    assert_eq!((shard.incoming_bytes, shard.write_limit_bytes), (s.incoming_bytes, s.write_limit_bytes));
    assert_eq!(p.producers.total.bytes_put, s.incoming_bytes);
    assert_eq!(t.incoming_bytes.iter().sum::<u64>(), t.incoming_records.iter().sum::<u64>() * 1_104);
    assert_eq!(t.write_limit_bytes.iter().sum::<u64>(), t.incoming_records.iter().sum::<u64>() * 2_048);
    assert_eq!((s.incoming_bytes_per_s_max, s.write_limit_bytes_per_s_max), (300 * 1_104, 300 * 2_048));
    // Utilization is the limit's view: the charged bytes over 1 MiB/s.
    assert_eq!(shard.write_utilization_max, 300.0 * 2_048.0 / 1_048_576.0);
    assert!((s.write_utilization_mean - 300.0 * 2_048.0 / 1_048_576.0).abs() < 0.01, "{}", s.write_utilization_mean);
    assert_conserved(&p);
}
