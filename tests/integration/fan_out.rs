//! Enhanced fan-out and KCL workers: dedicated read throughput and ~70 ms
//! delivery, workers as sequential processors, lease limits, and failover
//! with re-delivery from the last checkpoint.

use shardsim::report::ConsumerReport;

use crate::common::{consumer, consumer_scenario, report};

fn mean_ms(c: &ConsumerReport) -> f64 {
    c.end_to_end_latency_ms.mean
}

#[test]
fn five_efo_consumers_stay_near_70_ms_without_throttles_where_polling_does_not() {
    let five = |kind: &str, extra: &str| (0..5).map(|i| consumer(kind, &format!("app{i}"), extra)).collect::<String>();
    let efo = report(&consumer_scenario(1, 500, 600, "", &five("efo", "")));
    for c in &efo.points[0].consumers {
        // AWS: typically 70 ms whether one consumer or five (§3.2).
        assert!((mean_ms(c) - 70.0).abs() < 5.0, "{} mean {} ms", c.name, mean_ms(c));
        // 45–95 ms, plus one 25 ms pause when the subscription is renewed.
        assert!(c.end_to_end_latency_ms.max < 95.0 + 25.0 + 1.0, "{}", c.end_to_end_latency_ms.max);
        assert_eq!((c.read_throttled, c.get_records_calls), (0, 0));
        // Subscriptions at the start and at 300 s (each lives 5 minutes).
        assert_eq!(c.subscribe_calls, 2);
    }
    let polling = report(&consumer_scenario(1, 500, 600, "", &five("polling", "idle_time_between_reads_ms = 200")));
    for c in &polling.points[0].consumers {
        assert!(c.read_throttled > 0 && mean_ms(c) > 4.0 * 70.0, "{} {} ms", c.name, mean_ms(c));
    }
}

#[test]
fn one_worker_is_a_sequential_processor_for_all_its_shards() {
    // 2,000 records/s over 4 shards; 1 ms per record: one worker processes
    // at most 1,000 records/s, four keep up.
    let app = |workers: u32| consumer("polling", "app", &format!("workers = {workers}\nprocess_ms_per_record = 1"));
    let one = report(&consumer_scenario(4, 2_000, 300, "", &app(1)));
    let four = report(&consumer_scenario(4, 2_000, 300, "", &app(4)));
    let put = one.points[0].producers.total.records_put as f64;
    let (one, four) = (&one.points[0].consumers[0], &four.points[0].consumers[0]);
    let share = one.records_delivered as f64 / put;
    assert!((share - 0.5).abs() < 0.02, "one worker delivered {share} of the records");
    // It falls behind by about half of the elapsed time.
    assert!((one.iterator_age_ms_max / 1_000.0 / 300.0 - 0.5).abs() < 0.05, "{}", one.iterator_age_ms_max);
    assert!(four.records_delivered as f64 / put > 0.98);
    assert!(four.iterator_age_ms_max < 3_000.0);
}

#[test]
fn shards_beyond_the_lease_limit_are_never_read() {
    let app = consumer("efo", "app", "workers = 1\nmax_leases_per_worker = 3");
    let r = report(&consumer_scenario(4, 1_000, 60, "", &app));
    let c = &r.points[0].consumers[0];
    assert_eq!(c.shards_unleased, 1);
    let put = r.points[0].producers.total.records_put;
    let share = c.records_delivered as f64 / put as f64;
    assert!((share - 0.75).abs() < 0.03, "{share}");
    assert_eq!(c.records_delivered + c.records_unread, put);
}

#[test]
fn failover_resumes_from_the_checkpoint_and_counts_duplicates() {
    // Worker 1 of 2 fails at 100 s; checkpoints every 30 s (the last one
    // at about 90 s), leases move after the default 10 s.
    let app = consumer(
        "polling",
        "app",
        "workers = 2\ncheckpoint_interval_s = 30\nworker_failure = { worker = 1, at_s = 100 }",
    );
    let r = report(&consumer_scenario(4, 2_000, 200, "", &app));
    let c = &r.points[0].consumers[0];
    let put = r.points[0].producers.total.records_put;
    // Conservation: every record delivered once, or still unread.
    assert_eq!(c.records_delivered + c.records_unread, put);
    // Worker 1's two shards re-deliver what they read since the last
    // checkpoint: up to 30 s × 500 records/s each.
    assert!(c.duplicates > 2 * 500 && c.duplicates <= 2 * 500 * 31, "{}", c.duplicates);
    // Records put during the failover waited for it.
    assert!(c.end_to_end_latency_ms.max > 10_000.0, "{}", c.end_to_end_latency_ms.max);
    assert!(c.end_to_end_latency_ms.p50 < 2_000.0);
}

#[test]
fn a_lone_failed_worker_is_replaced() {
    let app =
        consumer("efo", "app", "workers = 1\nworker_failure = { worker = 0, at_s = 30 }\nfailover_time_ms = 5000");
    let r = report(&consumer_scenario(2, 1_000, 60, "", &app));
    let c = &r.points[0].consumers[0];
    let put = r.points[0].producers.total.records_put;
    assert_eq!(c.shards_unleased, 0);
    assert_eq!(c.records_delivered + c.records_unread, put);
    // Checkpoints after every batch: only the batch in flight repeats.
    assert!(c.duplicates < 100, "{}", c.duplicates);
    assert!(c.records_unread < 200, "the replacement caught up: {}", c.records_unread);
    assert!((5_000.0..6_000.0).contains(&c.end_to_end_latency_ms.max), "{}", c.end_to_end_latency_ms.max);
}

#[test]
fn shards_waiting_for_a_busy_worker_cost_no_extra_events() {
    // One slow worker for 100 shards: shards queue for it instead of
    // polling it, so events stay proportional to reads.
    let app = consumer("polling", "app", "workers = 1\nprocess_ms_per_record = 2\nidle_time_between_reads_ms = 0");
    let (_, o) = crate::common::run(&consumer_scenario(100, 1_000, 120, "", &app));
    let m = &o.consumers[0].meter;
    let calls = m.get_records_calls + m.read_throttled;
    let consumer_events = o.events - o.producers[0].put_calls;
    assert!(consumer_events <= 2 * calls + 100, "{consumer_events} events for {calls} calls");
    let share = m.records_delivered as f64 / o.producers[0].records_put as f64;
    // At most half (2 ms per record against 1,000 records/s), less the
    // time its 25 ms GetRecords calls occupy the worker.
    assert!(share > 0.3 && share < 0.5, "{share}");
}
