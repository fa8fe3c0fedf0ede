//! Lambda event-source mappings: polling cadence, batch size, the
//! parallelization factor (and its per-key ordering), failed invocations
//! and their retries.

use shardsim::report::ConsumerReport;

use crate::common::{consumer, consumer_scenario, report};

/// One shard at `records_per_s` for 300 s read by one mapping.
fn one(records_per_s: u32, extra: &str) -> (ConsumerReport, u64) {
    let r = report(&consumer_scenario(1, records_per_s, 300, "", &consumer("lambda", "fn", extra)));
    (r.points[0].consumers[0].clone(), r.points[0].producers.total.records_put)
}

#[test]
fn standard_polling_once_per_second_adds_half_a_second() {
    let (c, put) = one(100, "");
    // 62.5 ms propagation + 25 ms call + a uniform wait for the next poll of
    // a 1 s loop: 587.5 ms on average.
    assert!((c.end_to_end_latency_ms.mean - 587.5).abs() < 30.0, "{}", c.end_to_end_latency_ms.mean);
    assert_eq!(c.records_delivered + c.records_unread, put);
    let (efo, _) = one(100, "retrieval = \"efo\"");
    assert!((efo.end_to_end_latency_ms.mean - 70.0).abs() < 5.0);
}

#[test]
fn batch_size_sets_invocations_per_record() {
    let (small, _) = one(1_000, "batch_size = 10");
    let (large, _) = one(1_000, "batch_size = 1000");
    let per = |c: &ConsumerReport| c.records_delivered as f64 / c.invocations as f64;
    // A poll a second finds ~1,000 records: ~100 full batches of 10 (and a
    // partial one for the remainder), or one batch of ~1,000 (two when a
    // poll finds a few more than 1,000).
    assert!(per(&small) > 9.5 && per(&small) <= 10.0, "{}", per(&small));
    assert!(per(&large) > 400.0, "{}", per(&large));
    assert!(small.invocations > 40 * large.invocations);
}

#[test]
fn the_batching_window_waits_for_a_full_batch() {
    let (c, _) = one(10, "batch_size = 1000\nmaximum_batching_window_s = 20");
    // 10 records/s never fill 1,000: every batch waits out the window.
    let per = c.records_delivered as f64 / c.invocations as f64;
    assert!((per - 200.0).abs() < 15.0, "{per} records per invocation");
    assert!(c.end_to_end_latency_ms.mean > 9_000.0);
}

#[test]
fn parallelization_factor_multiplies_a_slow_functions_throughput() {
    // 10 ms per record, 100 records per batch: one batch a second per lane.
    let slow = "process_ms_per_record = 10";
    let (pf1, _) = one(1_000, slow);
    let (pf4, _) = one(1_000, &format!("{slow}\nparallelization_factor = 4"));
    let ratio = pf4.records_delivered as f64 / pf1.records_delivered as f64;
    assert!((ratio - 4.0).abs() < 0.2, "PF 4 delivers {ratio}× PF 1");
    assert!((pf1.records_delivered as f64 / 300.0 - 100.0).abs() < 3.0);
}

#[test]
fn a_hot_key_gains_nothing_from_parallelization() {
    let text = |pf: u32| {
        consumer_scenario(
            1,
            1_000,
            120,
            "",
            &consumer("lambda", "fn", &format!("process_ms_per_record = 10\nparallelization_factor = {pf}")),
        )
        .replace("api = \"put_record\"", "api = \"put_record\"\n")
        .replace("record_bytes =", "partition_key = { dist = \"fixed\", key = \"device-7\" }\nrecord_bytes =")
    };
    let pf1 = report(&text(1)).points[0].consumers[0].records_delivered;
    let pf10 = report(&text(10)).points[0].consumers[0].records_delivered;
    // One key's records stay in order, so they stay in one lane.
    assert!(pf10 as f64 / (pf1 as f64) < 1.05, "{pf1} vs {pf10}");
}

#[test]
fn failed_invocations_are_retried_or_given_up() {
    let (retried, put) = one(500, "function_error_rate = 0.5");
    // Geometric attempts with mean 2: as many duplicates as records.
    let dup = retried.duplicates as f64 / retried.records_delivered as f64;
    assert!((dup - 1.0).abs() < 0.1, "{dup}");
    assert_eq!(retried.records_failed, 0);
    assert_eq!(retried.records_delivered + retried.records_unread, put);
    let (given_up, _) = one(500, "function_error_rate = 0.5\nmaximum_retry_attempts = 0");
    let failed = given_up.records_failed as f64 / given_up.records_delivered as f64;
    assert!((failed - 0.5).abs() < 0.1, "{failed}");
    assert_eq!(given_up.duplicates, 0);
}
