//! Shared-throughput reads: one GetRecords call on a shard. Calls share
//! each shard's 5 calls/s and 2 MiB/s with every other polling reader
//! (KCL polling applications and Lambda mappings with a standard iterator);
//! a throttled call returns nothing.
//!
//! Records become visible to GetRecords `PROPAGATION_DELAY_MS` after the
//! shard accepted them, and a call's response arrives
//! `GET_RECORDS_LATENCY_MS` after it was made; together about 200 ms, AWS's
//! documented average put-to-get delay for one consumer (reference §3.2), to
//! which the polling wait adds. The split between the two is a modelling
//! choice: AWS documents only the sum.

use crate::consumer::{Scan, ShardView, scan};
use crate::stream::limits::GET_RECORDS_MAX_BYTES;
use crate::stream::log::Chunk;
use crate::time::SimTime;

/// Time from acceptance until GetRecords can return a record (§3.2, with
/// `GET_RECORDS_LATENCY_MS` making up AWS's ~200 ms).
pub const PROPAGATION_DELAY_MS: f64 = 175.0;
/// Time from a Kinesis API call to its response (modelling choice, §3.2).
pub const GET_RECORDS_LATENCY_MS: f64 = 25.0;
/// Least wait after a throttled call: AWS recommends waiting 1 s, since
/// calls within the next second throw too (§3).
pub const READ_THROTTLE_BACKOFF_MS: f64 = 1_000.0;

/// The propagation delay as a simulated time.
pub fn propagation() -> SimTime {
    SimTime::from_millis_f64(PROPAGATION_DELAY_MS)
}

/// The call latency as a simulated time.
pub fn call_latency() -> SimTime {
    SimTime::from_millis_f64(GET_RECORDS_LATENCY_MS)
}

/// The wait after a throttled call.
pub fn throttle_backoff() -> SimTime {
    SimTime::from_millis_f64(READ_THROTTLE_BACKOFF_MS)
}

/// One GetRecords call at `now` from sequence number `from` with `Limit`
/// `limit`: `None` when throttled, else what it returned, its records
/// passed to `each` a run at a time. The response arrives [`call_latency`] later.
pub fn get_records(
    view: &mut ShardView<'_>,
    from: u64,
    now: SimTime,
    limit: u64,
    each: impl FnMut(Chunk<'_>),
) -> Option<Scan> {
    if !view.read.admit(now) {
        return None;
    }
    let s = scan(view.log, from, now, propagation(), limit, GET_RECORDS_MAX_BYTES, each);
    view.read.record(now, s.bytes);
    Some(s)
}
