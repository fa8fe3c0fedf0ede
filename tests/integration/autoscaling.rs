//! Autoscaling policies driven by the simulation's own CloudWatch sums:
//! they act when their rules say, through the stream's limits.

use super::common::report;

/// 2 shards carrying 1,800 records/s (90 % of 2,000): every minute is
/// "high" for a 75 % threshold.
fn scenario(policy: &str) -> String {
    format!(
        "[scenario]\nname = \"a\"\nseed = 5\nduration_s = 900\n\
         [stream]\nshard_count = 2\nreshard_op_s = 30\n\
         {policy}\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = 1800\narrival = \"constant\"\n\
         record_bytes = {{ dist = \"fixed\", bytes = 100 }}\n"
    )
}

#[test]
fn scaling_utils_scales_up_after_its_high_minutes_and_the_stream_ramps() {
    let r = report(&scenario(
        "[stream.autoscaling]\npolicy = \"scaling_utils\"\nscale_on = [\"put\"]\nmax_shards = 4\n\
         [stream.autoscaling.scale_up]\nthreshold_pct = 75\nafter_min = 3\nscale_count = 2\n\
         [stream.autoscaling.scale_down]\nthreshold_pct = 10\nafter_min = 3\nscale_count = 1\n",
    ));
    let p = &r.points[0];
    let a = p.autoscaling.as_ref().expect("an autoscaling section");
    assert_eq!(a.policy, "scaling_utils");
    let first = &a.decisions[0];
    // Checks run at 60 s and every 45 s after; 3 complete high minutes
    // exist from 180 s, so the first check that sees them is 195 s.
    assert_eq!((first.decision, first.target, first.at_s), ("scale_up", 4, 195.0), "{first:?}");
    // 2 → 4 doubles: two splits of 30 s.
    assert_eq!(first.outcome, "completed at 255 s");
    assert_eq!(p.reshard_operations[0].origin, "autoscaling");
    assert_eq!(*p.timeseries.open_shards.last().expect("buckets"), 4);
    // At the 4-shard maximum nothing more is asked.
    assert!(a.decisions.iter().all(|d| d.target <= 4));
}

#[test]
fn target_tracking_waits_for_its_datapoints() {
    let r = report(&scenario(
        "[stream.autoscaling]\npolicy = \"target_tracking\"\nmin_shards = 1\nmax_shards = 8\n\
         target_utilization_pct = 50\nscale_out_datapoints = 4\n",
    ));
    let a = r.points[0].autoscaling.as_ref().expect("an autoscaling section");
    let first = &a.decisions[0];
    // 90 % utilization against a 50 % target: scale out to
    // ceil(2 × 90 / 50) = 4, but only once 4 minutes are above target.
    assert_eq!((first.decision, first.target), ("scale_up", 4), "{first:?}");
    assert!(first.at_s >= 240.0, "{first:?}");
}

#[test]
fn scaling_utils_falls_back_to_splits_at_once_when_update_shard_count_is_refused() {
    // One UpdateShardCount per 24 h: the first scale-up (2 → 4 at 195 s)
    // is accepted, the second (4 → 6 once the 4 shards run hot) refused
    // with LimitExceededException, and the tool falls back, at the same
    // instant, to one split or merge at a time.
    let r = report(
        &scenario(
            "[stream.autoscaling]\npolicy = \"scaling_utils\"\nscale_on = [\"put\"]\nmax_shards = 6\n\
             [stream.autoscaling.scale_up]\nthreshold_pct = 75\nafter_min = 3\nscale_count = 2\ncool_off_min = 0\n\
             [stream.autoscaling.scale_down]\nthreshold_pct = 10\nafter_min = 3\nscale_count = 1\n",
        )
        .replace("reshard_op_s = 30", "reshard_op_s = 30\nupdate_shard_count_per_24h = 1")
        .replace("records_per_s = 1800", "records_per_s = 3600"),
    );
    let p = &r.points[0];
    let a = p.autoscaling.as_ref().expect("an autoscaling section");
    let refused = a.decisions.iter().position(|d| d.outcome.contains("LimitExceededException"));
    let refused = refused.unwrap_or_else(|| panic!("no refused call: {:?}", a.decisions));
    let next = a.decisions.get(refused + 1).unwrap_or_else(|| panic!("no fallback: {:?}", a.decisions));
    assert_eq!(a.decisions[refused].decision, "scale_up");
    assert_eq!(next.decision, "split", "{:?}", a.decisions);
    assert_eq!(next.at_s, a.decisions[refused].at_s, "the fallback starts at once");
    assert!(next.outcome.starts_with("completed"), "{next:?}");
    // The walk ends with more shards than the refused call found.
    assert!(*p.timeseries.open_shards.last().unwrap() > 4, "{:?}", p.timeseries.open_shards.last());
}
