//! The write model against closed forms: a single hot key at twice the
//! limit, Poisson overflow of a one-second window, uniform keys below
//! capacity, and conservation of records under retries.

use crate::common::{one_producer, report, run};

/// One `fixed` key at 2,000 records/s of 100 bytes, no retries; PutRecord
/// sends each record at its arrival, so no record is still buffered at the
/// end.
fn fixed_key_at_2000(model: &str) -> String {
    one_producer(
        &format!("shard_count = 1\nwrite_limit_model = \"{model}\""),
        60,
        "records_per_s = 2000\narrival = \"constant\"\nrecord_bytes = { dist = \"fixed\", bytes = 100 }\n\
         partition_key = { dist = \"fixed\", key = \"tenant\" }",
        "api = \"put_record\"\nmax_attempts = 1",
    )
}

#[test]
fn token_bucket_accepts_the_refill_rate_plus_its_initial_depth() {
    let r = report(&fixed_key_at_2000("token_bucket"));
    let p = &r.points[0].producers.total;
    assert_eq!(p.user_records, 120_000);
    // 1,000 tokens at t = 0, then 1,000/s for the 60 s of arrivals.
    assert!((p.records_put as i64 - 61_000).abs() <= 2, "put {}", p.records_put);
    assert_eq!(p.records_put + p.write_throttled, 120_000);
    assert!((p.throttle_rate - 59_000.0 / 120_000.0).abs() < 1e-4);
    assert_eq!(p.records_dropped, p.write_throttled, "max_attempts = 1 drops every rejection");
    assert_eq!(p.retries, 0);
}

#[test]
fn per_second_window_accepts_exactly_the_limit_each_second() {
    let r = report(&fixed_key_at_2000("per_second_window"));
    let p = &r.points[0].producers.total;
    assert_eq!((p.records_put, p.write_throttled), (60_000, 60_000));
    let ts = &r.points[0].timeseries;
    assert_eq!(ts.bucket_s, 1);
    assert!(ts.incoming_records.iter().all(|&n| n == 1_000), "{:?}", &ts.incoming_records[..5]);
    assert!(ts.write_throttled.iter().all(|&n| n == 1_000));
    let shard = &r.points[0].shards[0];
    assert!(shard.hot && shard.hot_reasons.contains(&"throttled"));
    assert_eq!(shard.write_utilization_max, 1.0);
    assert_eq!(shard.write_demand_max, 2.0);
    assert_eq!(shard.throttled_seconds, 60);
}

/// `E[max(N − c, 0)]` and `E[max(N − c, 0)²]` for `N ~ Poisson(λ)`, summing
/// the pmf far into the tail.
fn poisson_overflow_moments(lambda: f64, c: u64) -> (f64, f64) {
    let (mut m1, mut m2) = (0.0, 0.0);
    let mut log_pmf = -lambda; // k = 0
    for k in 1..(lambda * 3.0) as u64 {
        log_pmf += lambda.ln() - (k as f64).ln();
        if k > c {
            let x = (k - c) as f64;
            m1 += x * log_pmf.exp();
            m2 += x * x * log_pmf.exp();
        }
    }
    (m1, m2)
}

#[test]
fn poisson_overflow_of_a_one_second_window_matches_the_closed_form() {
    const SECONDS: u32 = 1_500;
    for lambda in [900.0, 1_000.0, 1_100.0] {
        let text = one_producer(
            "shard_count = 1\nwrite_limit_model = \"per_second_window\"",
            SECONDS,
            &format!(
                "records_per_s = {lambda}\narrival = \"poisson\"\nrecord_bytes = {{ dist = \"fixed\", bytes = 100 }}\n\
                 partition_key = {{ dist = \"fixed\", key = \"k\" }}"
            ),
            // PutRecord sends each record at its arrival, so each window
            // sees a Poisson count.
            "api = \"put_record\"\nmax_attempts = 1",
        );
        let r = report(&text);
        let p = &r.points[0].producers.total;
        let measured = p.write_throttled as f64 / p.user_records as f64;
        let (m1, m2) = poisson_overflow_moments(lambda, 1_000);
        let expected = m1 / lambda;
        // Four standard errors of the mean of 1,500 independent seconds.
        let tolerance = 4.0 * ((m2 - m1 * m1) / SECONDS as f64).sqrt() / lambda;
        assert!(
            (measured - expected).abs() < tolerance,
            "λ = {lambda}: throttled fraction {measured:.5}, closed form {expected:.5} ± {tolerance:.5}"
        );
    }
}

#[test]
fn uniform_keys_below_capacity_never_throttle_but_one_shard_does() {
    let producer = "records_per_s = 2000\narrival = \"poisson\"\nrecord_bytes = { dist = \"fixed\", bytes = 200 }\n\
                    partition_key = { dist = \"uniform\", keys = 10000 }";
    let spread = report(&one_producer("shard_count = 4", 120, producer, "max_attempts = 1"));
    let p = &spread.points[0].producers.total;
    assert!(p.user_records > 230_000);
    assert_eq!(p.write_throttled, 0);
    assert_eq!(spread.points[0].stream.hot_shards, 0);
    let single = report(&one_producer("shard_count = 1", 120, producer, "max_attempts = 1"));
    let p = &single.points[0].producers.total;
    // 2,000/s offered to a 1,000/s shard: about half is rejected.
    assert!(p.throttle_rate > 0.45 && p.throttle_rate < 0.55, "{}", p.throttle_rate);
}

#[test]
fn records_are_conserved_under_overload_with_retries() {
    let text = one_producer(
        "shard_count = 2",
        90,
        "records_per_s = 5000\narrival = \"poisson\"\ninstances = 3\n\
         record_bytes = { dist = \"lognormal\", median = 400, p99 = 3000 }\n\
         partition_key = { dist = \"zipf\", keys = 500, exponent = 1.1 }",
        "linger_ms = 20\nmax_attempts = 4\nbackoff_base_ms = 50\nbackoff_max_ms = 400",
    );
    let (_, o) = run(&text);
    let c = &o.producers[0];
    assert!(c.write_throttled > 0 && c.retries > 0 && c.records_dropped > 0);
    assert_eq!(c.user_records, c.records_put + c.records_dropped + o.records_in_flight);
    // Every rejection is either retried later or dropped now (or waiting).
    assert!(c.retries + c.records_dropped <= c.write_throttled);
}
