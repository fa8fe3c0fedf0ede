//! `timeseries.csv`: the stream totals per `timeseries` bucket (one second
//! for runs up to an hour), then every shard's cells (one second unless
//! shards × seconds would pass 524,288 cells), one row each, so the file
//! stays within about 40 MB however long the run. A shard's rows cover only
//! the cells while it existed (it opened and, if it closed, closed within
//! them); `open_shards` and `write_capacity_mib_s` (open shards × the
//! per-shard byte limit, the most in the bucket) are filled on stream rows,
//! and so is `write_limit_bytes` (the accepted bytes as the write limit
//! charged them; `incoming_bytes` holds their real sizes, as CloudWatch's
//! `IncomingBytes`): a shard's cells keep only the real bytes, and its
//! `write_utilization_max` already shows the limit's view.

use std::fmt::Write as _;

use super::Point;

/// The column names.
pub const HEADER: &str = "series,shard_id,start_s,width_s,user_records,incoming_records,incoming_bytes,write_throttled,write_utilization_max,open_shards,write_capacity_mib_s,write_limit_bytes";

/// The CSV text of one run's point.
pub fn timeseries(p: &Point) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    let t = &p.timeseries;
    let shard_mib = p.capacity.write_capacity_mib_s_start / p.stream.shard_count.max(1) as f64;
    for i in 0..t.incoming_records.len() {
        let _ = writeln!(
            out,
            "stream,,{},{},{},{},{},{},,{},{},{}",
            i as u64 * t.bucket_s,
            t.bucket_s,
            t.user_records[i],
            t.incoming_records[i],
            t.incoming_bytes[i],
            t.write_throttled[i],
            t.open_shards[i],
            t.open_shards[i] as f64 * shard_mib,
            t.write_limit_bytes[i]
        );
    }
    let w = p.charts.cell_s;
    for (shard, cells) in p.shards.iter().zip(&p.charts.shard_cells) {
        let lived = |i: usize| {
            let (start, end) = (i as f64 * w as f64, (i + 1) as f64 * w as f64);
            shard.created_at_s < end && shard.closed_at_s.is_none_or(|c| c > start)
        };
        for (i, c) in cells.iter().enumerate().filter(|(i, _)| lived(*i)) {
            let _ = writeln!(
                out,
                "shard,{},{},{w},,{},{},{},{},,,",
                shard.shard_id,
                i as u64 * w,
                c.incoming_records,
                c.incoming_bytes,
                c.write_throttled,
                c.write_utilization_max
            );
        }
    }
    out
}
