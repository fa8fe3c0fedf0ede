//! The services billed beside the stream, against closed forms. A KCL
//! lease table: renewals every 3,308 ms per lease, a checkpoint per batch,
//! scans every 20,050 ms per worker at half a read unit per 4 KB of
//! 400-byte items; a provisioned table throttles checkpoints once they
//! outrun its write capacity (and its 300 s of burst), and not before;
//! throttled checkpoints lag, so a failover re-delivers more; the bill is
//! capacity × hours or units × price. A Firehose stream is billed per GB
//! ingested, each record in 5 KB steps.

use crate::common::{consumer, consumer_scenario, report};
use shardsim::report::{ConsumerReport, Point};

/// `shards` shards at 400 records/s in all, one polling KCL application
/// calling every 200 ms (each call finds records: a checkpoint per call),
/// with the extra lines; `duration_s` long.
fn app(shards: u32, duration_s: u32, extra: &str) -> Point {
    let polling = consumer("polling", "app", &format!("idle_time_between_reads_ms = 200\n{extra}"));
    report(&consumer_scenario(shards, 400, duration_s, "", &polling)).points.remove(0)
}

fn table(p: &Point) -> &shardsim::report::LeaseTableReport {
    p.consumers[0].lease_table.as_ref().expect("a KCL application has a lease table")
}

fn delivered_all(c: &ConsumerReport) {
    assert_eq!(c.records_expired, 0);
}

#[test]
fn consumption_is_renewals_plus_checkpoints_and_scans() {
    let p = app(4, 300, "");
    let t = table(&p);
    assert_eq!(t.billing, "on_demand");
    assert_eq!((t.checkpoints_throttled, t.renewals_throttled), (0, 0));
    // Four leases renewed every 3.308 s, plus the checkpoints made.
    let renewals = 4.0 / 3.308;
    let checkpoints = t.checkpoints as f64 / 300.0;
    assert!(checkpoints > 4.0 * 3.0, "{t:?}");
    assert!((t.write_units_per_s.mean - (renewals + checkpoints)).abs() < 0.01, "{t:?}");
    // Four workers (one per lease) scan 4 × 400 B: half of one 4 KB unit
    // each, every 20.05 s.
    assert!((t.read_units_per_s.mean - 4.0 * 0.5 / 20.05).abs() < 1e-9, "{t:?}");
    // On-demand: billed per request unit.
    let items = &p.cost.services.line_items;
    assert_eq!(items.len(), 2);
    let writes = &items[0].item;
    assert_eq!(
        (items[0].consumer.as_str(), writes.rate_key.as_str()),
        ("app", "dynamodb.usd_per_million_write_request_units")
    );
    let expected = t.write_units_per_s.mean * 300.0 / 1e6 * 0.625;
    assert!((writes.usd - expected).abs() < 1e-9, "{writes:?} vs {expected}");
    delivered_all(&p.consumers[0]);
}

#[test]
fn a_provisioned_table_throttles_checkpoints_only_beyond_its_capacity() {
    // About 17 writes a second. 40 WCU carry them for ever.
    let roomy = app(4, 600, "lease_table = { billing = \"provisioned\", wcu = 40, rcu = 5 }");
    let t = table(&roomy);
    assert!(t.write_units_per_s.mean > 15.0 && t.write_units_per_s.mean < 20.0, "{t:?}");
    assert_eq!((t.checkpoints_throttled, t.checkpoints_failed, t.renewals_throttled), (0, 0, 0), "{t:?}");
    // The bill is the capacity, used or not: 40 × $0.00065 + 5 × $0.00013
    // an hour.
    let per_hour = roomy.cost.services.usd_per_hour;
    assert!((per_hour - (40.0 * 0.00065 + 5.0 * 0.00013)).abs() < 1e-12, "{per_hour}");

    // 5 WCU: the 1,500 units of burst last ~125 s, then checkpoints wait
    // for the SDK's retries and the processors slow down.
    let tight = app(4, 600, "lease_table = { billing = \"provisioned\", wcu = 5, rcu = 5 }");
    let t = table(&tight);
    assert!(t.checkpoints_throttled > 100, "{t:?}");
    assert!(t.checkpoint_wait_ms_mean > 250.0, "{t:?}");
    // Throttled, the application checkpoints at about the capacity left
    // after the renewals (5 − 1.2 units a second) once the burst is gone.
    let after_burst = (t.checkpoints as f64 - 1_500.0) / 600.0;
    assert!(after_burst < 5.0, "{t:?}");
    assert!(tight.consumers[0].end_to_end_latency_ms.p99 > roomy.consumers[0].end_to_end_latency_ms.p99);
    delivered_all(&tight.consumers[0]);
    // The terminal says so.
    let out = shardsim::report::table::render(
        &report(&consumer_scenario(
            4,
            400,
            600,
            "",
            &consumer(
                "polling",
                "app",
                "idle_time_between_reads_ms = 200\nlease_table = { billing = \"provisioned\", wcu = 5, rcu = 5 }",
            ),
        )),
        shardsim::report::table::Flavour::Text,
    );
    assert!(out.contains("app lease table (provisioned 5 WCU / 5 RCU)"), "{out}");
}

#[test]
fn throttled_checkpoints_make_a_failover_deliver_more_again() {
    // Batches take 300 ms to process, so one is in progress when the
    // worker fails.
    let failing = "workers = 2\nprocess_ms_per_batch = 300\nworker_failure = { worker = 1, at_s = 500 }\n";
    let on_demand = app(4, 600, failing);
    let tight = app(4, 600, &format!("{failing}lease_table = {{ billing = \"provisioned\", wcu = 3, rcu = 5 }}"));
    let again = |p: &Point| p.consumers[0].duplicates_by_cause.worker_failover;
    assert!(table(&tight).checkpoints_throttled > 0);
    // The failed worker's shards resume from checkpoints that lag further
    // behind when the table throttles them.
    assert!(again(&tight) > again(&on_demand), "{} vs {}", again(&tight), again(&on_demand));
}

#[test]
fn a_firehose_stream_is_billed_per_gb_ingested_in_5_kb_steps_beside_the_stream() {
    // 200-byte records: each billed as 5 KB (5,120 bytes).
    let text = consumer_scenario(2, 100, 120, "", &consumer("firehose", "archive", ""));
    let p = report(&text).points.remove(0);
    let f = p.consumers[0].firehose.as_ref().expect("a Firehose report");
    let items = &p.cost.services.line_items;
    assert_eq!(items.len(), 1, "{items:?}");
    let ingestion = &items[0].item;
    assert_eq!((items[0].consumer.as_str(), ingestion.rate_key.as_str()), ("archive", "firehose.usd_per_gb_ingested"));
    assert!((ingestion.quantity - f.ingested_gb_billed).abs() < 1e-12);
    // Every record read was billed 5,120 bytes.
    let read = p.consumers[0].records_delivered + p.consumers[0].records_unread;
    let billed = f.ingested_gb_billed * (1u64 << 30) as f64;
    assert!(billed <= read as f64 * 5_120.0 + 0.5 && billed >= p.consumers[0].records_delivered as f64 * 5_120.0 - 0.5);
    assert!((ingestion.usd - ingestion.quantity * 0.029).abs() < 1e-12);
    // Beside the stream: the modes' totals are their own items alone.
    let provisioned = &p.cost.modes.provisioned;
    let sum: f64 = provisioned.line_items.iter().map(|i| i.usd).sum();
    assert!((sum - provisioned.usd_for_run).abs() < 1e-12);
}
