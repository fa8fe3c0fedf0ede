//! Polling consumers: latency against AWS's documented put-to-get delay,
//! shared read limits, a lagging consumer's iterator age, retention loss and
//! conservation of records.

use crate::common::{consumer, consumer_scenario, report, run};

fn with_consumers(records_per_s: u32, duration_s: u32, retention: &str, consumers: &str) -> String {
    consumer_scenario(1, records_per_s, duration_s, retention, consumers)
}

fn polling(name: &str, extra: &str) -> String {
    consumer("polling", name, extra)
}

#[test]
fn one_polling_consumer_sees_200_ms_plus_half_its_polling_period() {
    let r = report(&with_consumers(100, 600, "", &polling("app", "")));
    let c = &r.points[0].consumers[0];
    // 62.5 ms propagation + 25 ms call latency, plus a uniform wait for the
    // next call of the KCL's default loop of 1,500 + 25 ms: 850 ms.
    let mean = c.end_to_end_latency_ms.mean;
    assert!((mean - 850.0).abs() < 25.0, "mean latency {mean} ms");
    assert!(c.end_to_end_latency_ms.max < 87.5 + 1_525.0 + 5.0);
    assert!(c.end_to_end_latency_ms.p50 > 87.5);
    assert_eq!(c.read_throttled, 0);
    assert!(c.iterator_age_ms_max < 1_700.0);
}

/// Mean put-to-get latency of each of `n` consumers of `kind` reading one
/// shard as fast as the limits allow (polling: idle 200 ms, the least AWS
/// advises), on a 10-minute run.
fn latencies(kind: &str, n: usize) -> Vec<f64> {
    let extra = if kind == "polling" { "idle_time_between_reads_ms = 200" } else { "" };
    let all: String = (0..n).map(|i| consumer(kind, &format!("app{i}"), extra)).collect();
    let r = report(&with_consumers(500, 600, "", &all));
    r.points[0].consumers.iter().map(|c| c.end_to_end_latency_ms.mean).collect()
}

#[test]
fn the_read_path_meets_aws_published_latency_table_within_20_percent() {
    // AWS: "an average of around 200 ms if you have one consumer reading
    // from the stream ... around 1000 ms if you have five consumers";
    // enhanced fan-out "typically an average of 70 ms whether you have one
    // consumer or five consumers" (reference §3.2).
    let within = |got: f64, aws: f64| (got - aws).abs() <= 0.2 * aws;
    let one = latencies("polling", 1);
    // The propagation delay is fitted to this case: 200 ms by construction,
    // up to the loop's phase.
    assert!((one[0] - 200.0).abs() < 5.0, "one polling consumer: {one:?}");
    // Five: AWS's figure is an average, so the five's mean meets it; each
    // one is within 30 % (the model is not perfectly fair: a consumer whose
    // call just succeeded calls again 225 ms later, one that was throttled
    // waits out the SDK's back-off). Seeds 1 to 6 give means of 1,140 to
    // 1,189 ms, each consumer 1,073 to 1,270.
    let five = latencies("polling", 5);
    let mean = five.iter().sum::<f64>() / 5.0;
    assert!(within(mean, 1_000.0), "five polling consumers: {five:?}");
    assert!(five.iter().all(|&m| (m - 1_000.0).abs() <= 300.0), "each of five: {five:?}");
    for n in [1, 5] {
        let efo = latencies("efo", n);
        assert!(efo.iter().all(|&m| within(m, 70.0)), "{n} EFO consumers: {efo:?}");
    }
}

#[test]
fn five_polling_consumers_contend_for_the_shards_read_limits() {
    let fast = "idle_time_between_reads_ms = 200";
    let one = report(&with_consumers(500, 300, "", &polling("a", fast)));
    let five: String = (0..5).map(|i| polling(&format!("app{i}"), fast)).collect();
    let many = report(&with_consumers(500, 300, "", &five));
    assert_eq!(one.points[0].consumers[0].read_throttled, 0);
    let c = &many.points[0].consumers;
    assert!(c.iter().all(|c| c.read_throttled > 0), "5 × ~4.4 calls/s exceed 5 calls/s");
    // Successful calls stay within 5 a second on the shard.
    let calls: u64 = c.iter().map(|c| c.get_records_calls).sum();
    assert!(calls as f64 <= 5.0 * 300.0 + 5.0, "{calls} successful calls in 300 s");
    let mean = |c: &shardsim::report::ConsumerReport| c.end_to_end_latency_ms.mean;
    let alone = mean(&one.points[0].consumers[0]);
    assert!(
        c.iter().all(|c| mean(c) > alone * 3.0),
        "alone {alone} ms, together {:?}",
        c.iter().map(mean).collect::<Vec<_>>()
    );
}

#[test]
fn a_slow_consumer_falls_behind_linearly() {
    // 1,000 records/s produced; batches of 1,000 records take 25 ms to
    // fetch and 2 s to process, with no idle time: 1,000 / 2.025 ≈ 494/s read.
    let slow = polling("slow", "max_records = 1000\nprocess_ms_per_record = 2\nidle_time_between_reads_ms = 0");
    let r = report(&with_consumers(1_000, 400, "", &slow));
    let c = &r.points[0].consumers[0];
    let read_share = 1.0 / 2.025;
    // After t seconds it has read what was put by t·share: age ≈ t·(1 − share).
    let slope = c.iterator_age_ms_max / 1_000.0 / 400.0;
    assert!((slope - (1.0 - read_share)).abs() < 0.01, "age grows {slope} s per s");
    let put = r.points[0].producers.total.records_put;
    assert_eq!(c.records_delivered + c.records_unread, put);
    assert!((c.records_delivered as f64 / put as f64 - read_share).abs() < 0.01);
}

#[test]
fn records_expire_when_a_consumer_lags_past_retention() {
    let slow = polling("slow", "max_records = 1000\nprocess_ms_per_record = 2");
    let fast = polling("fast", "");
    // 0.01 h = 36 s of retention (a what-if below AWS's 24 h minimum).
    let text = with_consumers(1_000, 300, "retention_hours = 0.01", &format!("{slow}{fast}"));
    let r = report(&text);
    let put = r.points[0].producers.total.records_put;
    let (slow, fast) = (&r.points[0].consumers[0], &r.points[0].consumers[1]);
    assert!(slow.records_expired > 0);
    assert_eq!(slow.records_delivered + slow.records_expired + slow.records_unread, put);
    assert_eq!(fast.records_expired, 0);
    assert_eq!(fast.records_delivered + fast.records_unread, put);
    // The slow consumer never reads a record older than retention allows.
    assert!(slow.iterator_age_ms_max <= 36_000.0 + 2_100.0, "{}", slow.iterator_age_ms_max);
}

#[test]
fn every_put_record_reaches_every_consumer_once() {
    let consumers = format!("{}{}", polling("a", ""), polling("b", "idle_time_between_reads_ms = 250"));
    let (_, o) = run(&with_consumers(800, 120, "", &consumers));
    let put = o.producers[0].records_put;
    for c in &o.consumers {
        assert_eq!(c.meter.records_delivered + c.records_unread, put);
        assert_eq!(c.meter.latency_histogram().len(), c.meter.records_delivered);
        assert_eq!(c.meter.records_expired, 0);
    }
}

#[test]
fn every_kind_accounts_for_every_record_under_expiry() {
    // Slow readers of every kind behind a 36 s retention: each record is
    // delivered, expired or still unread — exactly one of them.
    let slow = "process_ms_per_record = 3";
    let consumers = [
        consumer("polling", "poll", &format!("{slow}\nmax_records = 1000")),
        consumer("efo", "efo", slow),
        consumer("efo", "efo-failover", &format!("{slow}\nworkers = 1\nworker_failure = {{ worker = 0, at_s = 50 }}")),
        consumer("lambda", "fn", &format!("{slow}\nfunction_error_rate = 0.2")),
        consumer("lambda", "fn-efo", &format!("{slow}\nretrieval = \"efo\"\nparallelization_factor = 2")),
    ]
    .concat();
    let (_, o) = run(&consumer_scenario(1, 800, 200, "retention_hours = 0.01", &consumers));
    let put = o.producers[0].records_put;
    for (i, c) in o.consumers.iter().enumerate() {
        let m = &c.meter;
        assert!(m.records_expired > 0, "consumer {i} is too slow to escape expiry");
        assert_eq!(m.records_delivered + m.records_expired + c.records_unread, put, "consumer {i}");
        assert_eq!(m.latency_histogram().len(), m.records_delivered, "one latency per first delivery");
    }
}
