//! Service faults against closed forms: a failure rate fails that share of
//! records or calls (binomial counts, fixed seeds, 4–5 sd tolerances), the
//! clients retry them and lose nothing, a latency window stretches round
//! trips by its factor, and read failures cost a reader calls but no
//! records. Every test checks conservation on both sides.

use crate::common::{INSTANT_REQUESTS, assert_conserved, point, shardsim};

/// One SDK instance offering `records_per_s` 200-byte records, evenly
/// spaced, over 10,000 uniform keys on 8 shards for `duration_s`, with its
/// `[producers.sdk]` lines, the `faults` tables, and `consumers`.
fn scenario(records_per_s: u32, duration_s: u32, sdk: &str, faults: &str, consumers: &str) -> String {
    let instant = if sdk.contains("request_latency_ms") { "" } else { INSTANT_REQUESTS };
    format!(
        "[scenario]\nname = \"faults\"\nseed = 23\nduration_s = {duration_s}\n\
         [stream]\nshard_count = 8\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = {records_per_s}\narrival = \"constant\"\n\
         record_bytes = {{ dist = \"fixed\", bytes = 200 }}\n\
         [producers.sdk]\n{sdk}\n{instant}\n{faults}\n{consumers}"
    )
}

const POLLING: &str = "[[consumers]]\nname = \"r\"\nkind = \"polling\"\nidle_time_between_reads_ms = 200\n";

/// `|observed − expected| < k·sd` for a binomial count of `n` trials of
/// probability `p`.
fn assert_binomial(observed: u64, n: u64, p: f64, k: f64) {
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    assert!((observed as f64 - mean).abs() < k * sd, "{observed} of {n}: expected {mean:.0} ± {:.0}", k * sd);
}

#[test]
fn one_percent_internal_failure_fails_one_percent_of_records_all_retried_none_lost() {
    let faults = "[[faults]]\nkind = \"internal_failure\"\nfrom_s = 0\nto_s = 120\nrate = 0.01\n";
    let p = point(&scenario(2_000, 120, "linger_ms = 100", faults, POLLING));
    let f = &p.producers.total;
    let e = &f.errors_by_code;
    assert_eq!((f.write_throttled, e.throttled, e.service_unavailable, e.request_timeout), (0, 0, 0, 0), "{f:?}");
    // Each attempt (first tries and retries) fails alone with 1 %: ~2,400
    // of ~242,000, sd ~49.
    let attempts = f.records_put + e.internal_failure;
    assert_binomial(e.internal_failure, attempts, 0.01, 4.0);
    // Every failed record is sent again (those failed in the last back-off
    // are still waiting), and none is given up.
    assert!(f.retries <= e.internal_failure && e.internal_failure - f.retries <= p.producers.records_in_flight);
    assert_eq!(f.records_dropped, 0);
    assert_eq!(p.consumers[0].duplicates, 0);
    assert_conserved(&p);
    // The terminal says what failed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.toml");
    std::fs::write(&path, scenario(2_000, 20, "linger_ms = 100", faults, POLLING)).unwrap();
    let out = shardsim().arg("run").arg(&path).arg("--out").arg(dir.path().join("out")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("InternalFailure"), "{stdout}");
}

#[test]
fn service_unavailable_fails_whole_calls_and_the_client_retries_them() {
    // PutRecord, one record a call, one attempt: each call fails with
    // probability 0.5, so half the records are given up.
    let faults = "[[faults]]\nkind = \"service_unavailable\"\nfrom_s = 0\nto_s = 100\nrate = 0.5\n";
    let once = point(&scenario(1_000, 100, "api = \"put_record\"\nmax_attempts = 1", faults, POLLING));
    let f = &once.producers.total;
    assert_eq!(f.errors_by_code.service_unavailable, f.records_dropped);
    assert_binomial(f.records_dropped, f.user_records, 0.5, 4.0);
    assert_conserved(&once);

    // Batched calls of ~100 records: whole calls fail, so the failures come
    // in multiples of a call, and with 10 attempts none is lost at 20 %.
    let faults = faults.replace("rate = 0.5", "rate = 0.2");
    let p = point(&scenario(1_000, 100, "linger_ms = 100", &faults, POLLING));
    let f = &p.producers.total;
    assert!(f.errors_by_code.service_unavailable > 10_000, "{f:?}");
    assert_eq!((f.records_dropped, f.errors_by_code.internal_failure), (0, 0), "{f:?}");
    // ~1,000 calls a try, 20 % failing: about a fifth of the attempts.
    let share =
        f.errors_by_code.service_unavailable as f64 / (f.records_put + f.errors_by_code.service_unavailable) as f64;
    assert!((share - 0.2).abs() < 0.03, "{share}");
    assert_conserved(&p);
}

#[test]
fn internal_failure_on_one_shard_spares_the_others() {
    // Every record offered to shard 0 fails, and is given up at once.
    let faults = "[[faults]]\nkind = \"internal_failure\"\nfrom_s = 0\nto_s = 60\nrate = 1.0\n\
                  shards = [\"shardId-000000000000\"]\n";
    let p = point(&scenario(1_000, 60, "api = \"put_record\"\nmax_attempts = 1", faults, POLLING));
    let f = &p.producers.total;
    assert_eq!(f.errors_by_code.internal_failure, f.records_dropped);
    assert_eq!(p.shards[0].incoming_records, 0);
    assert!(p.shards[1..].iter().all(|s| s.incoming_records > 5_000), "{:?}", p.shards);
    // Uniform keys: shard 0 owns about an eighth of the hash space.
    let share = f.records_dropped as f64 / f.user_records as f64;
    assert!((share - 0.125).abs() < 0.02, "{share}");
    assert_conserved(&p);
}

#[test]
fn a_latency_window_multiplies_round_trips_and_can_make_calls_time_out() {
    // Fixed 20 ms round trips, one slot: 50 calls a second at most; ten
    // times slower for the second half, 5 calls a second.
    let sdk = "api = \"put_record\"\nrequest_latency_ms = { dist = \"fixed\", ms = 20 }";
    let faults = "[[faults]]\nkind = \"latency\"\nfrom_s = 30\nto_s = 60\nfactor = 10\n";
    let p = point(&scenario(1_000, 60, sdk, faults, POLLING));
    let f = &p.producers.total;
    // 30 s × 50 + 30 s × 5 = 1,650 calls (±1 for the call straddling 30 s).
    assert!((1_648..=1_651).contains(&f.put_calls), "{f:?}");
    let latency = &p.producers.per_producer[0].requests.latency_ms;
    assert!((latency.max - 200.0).abs() < 0.5, "{latency:?}");
    assert_conserved(&p);

    // With a 100 ms timeout every slowed call times out, at 100 ms, after
    // it stored its record: the client keeps 10 calls a second going
    // (and records queue behind them).
    let timeout = format!("{sdk}\nrequest_timeout_ms = 100");
    let p = point(&scenario(1_000, 60, &timeout, faults, POLLING));
    let f = &p.producers.total;
    assert_eq!(f.errors_by_code.request_timeout, f.requests_timed_out);
    assert!((295..=301).contains(&f.requests_timed_out), "{f:?}");
    assert_conserved(&p);

    // At 2 records a second the client keeps up, so it sends each
    // timed-out record again after its back-off; in the window that call
    // times out too, having stored the record once more. Every later call
    // of a record stores a duplicate, which the reader delivers.
    let p = point(&scenario(2, 60, &timeout, faults, POLLING));
    let f = &p.producers.total;
    let first_tries = 60; // 2 a second for 30 s
    assert!(f.requests_timed_out > first_tries + 10, "{f:?}");
    assert_eq!(f.records_dropped, 0, "{f:?}");
    // Each timed-out call after a record's first stored a copy (but the
    // last ones, whose retry was still backing off at the end).
    assert!(f.duplicates_put + 10 >= f.requests_timed_out - first_tries, "{f:?}");
    assert!(f.duplicates_put <= f.requests_timed_out, "{f:?}");
    let c = &p.consumers[0];
    assert_eq!(c.duplicates_by_cause.request_timeout, c.duplicates_stored);
    assert!(c.duplicates_stored + 10 >= f.duplicates_put, "{c:?}");
    assert_conserved(&p);
}

#[test]
fn read_failures_cost_calls_not_records() {
    // Half of all reads fail for the whole run: polling KCL, enhanced
    // fan-out KCL, a Lambda mapping and a Firehose stream still deliver
    // every record.
    let consumers = "[[consumers]]\nname = \"poll\"\nkind = \"polling\"\nidle_time_between_reads_ms = 200\n\
                     [[consumers]]\nname = \"efo\"\nkind = \"efo\"\n\
                     [[consumers]]\nname = \"fn\"\nkind = \"lambda\"\n\
                     [[consumers]]\nname = \"fh\"\nkind = \"firehose\"\n";
    let faults = "[[faults]]\nkind = \"read_failure\"\nfrom_s = 0\nto_s = 60\nrate = 0.5\n";
    let p = point(&scenario(1_000, 60, "linger_ms = 100", faults, consumers));
    for c in &p.consumers {
        let e = &c.read_errors_by_code;
        assert!(e.internal_failure > 100, "{}: {e:?}", c.name);
        assert_eq!(c.records_expired, 0, "{}", c.name);
        // What was stored more than a few seconds before the end was read.
        assert!(c.records_unread < 10_000, "{}: {} unread", c.name, c.records_unread);
        assert_eq!(c.duplicates, 0, "{}", c.name);
    }
    // A polling call fails with probability 0.5, as drawn: the failed
    // calls are about as many as the successful ones.
    let poll = &p.consumers[0];
    assert_binomial(
        poll.read_errors_by_code.internal_failure,
        poll.read_errors_by_code.internal_failure + poll.get_records_calls + poll.read_throttled,
        0.5,
        5.0,
    );
    assert_conserved(&p);
}

#[test]
fn the_kpl_retries_failed_records_until_they_land() {
    let text = format!(
        "[scenario]\nname = \"kpl-faults\"\nseed = 5\nduration_s = 60\n\
         [stream]\nshard_count = 4\n\
         [[producers]]\nname = \"p\"\nclient = \"kpl\"\nrecords_per_s = 2000\n\
         [producers.kpl]\n{INSTANT_REQUESTS}\n\
         [[faults]]\nkind = \"internal_failure\"\nfrom_s = 10\nto_s = 40\nrate = 0.05\n\
         [[faults]]\nkind = \"service_unavailable\"\nfrom_s = 20\nto_s = 30\nrate = 0.3\n{POLLING}"
    );
    let p = point(&text);
    let f = &p.producers.total;
    let e = &f.errors_by_code;
    assert!(e.internal_failure > 0 && e.service_unavailable > 0, "{e:?}");
    assert_eq!(f.records_dropped, 0, "{f:?}");
    assert!(f.retries > 0);
    assert_conserved(&p);
}
