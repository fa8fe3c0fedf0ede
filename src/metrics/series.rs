//! Stream totals over time at a resolution fixed before the run starts:
//! one-second buckets up to `MAX_POINTS` seconds, wider buckets (a whole
//! number of seconds) for longer runs, so memory never grows with duration.
//! Per-second peaks of the stream totals are tracked exactly regardless of
//! the bucket width.

use crate::time::{NANOS_PER_S, SimTime};

/// Most points a series holds (one hour at one-second resolution).
pub const MAX_POINTS: u64 = 3_600;

/// Stream totals within one bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeriesPoint {
    /// Records handed to producers' clients.
    pub user_records: u64,
    /// Records accepted by shards.
    pub incoming_records: u64,
    /// Bytes accepted by shards: data + partition key, as CloudWatch's
    /// `IncomingBytes` counts them.
    pub incoming_bytes: u64,
    /// The same records' bytes as the write limit charged them (PutRecord
    /// rounds each up to a whole KiB).
    pub write_limit_bytes: u64,
    /// Record attempts rejected by shards.
    pub write_throttled: u64,
}

/// Bucketed stream totals plus exact per-second peaks.
#[derive(Clone, Debug)]
pub struct StreamSeries {
    bucket_ns: u64,
    points: Vec<SeriesPoint>,
    /// Second being tallied for the peaks, and its tally.
    second: u64,
    second_counted: bool,
    tally: SeriesPoint,
    /// Highest per-second accepted records and bytes, and rejections.
    pub peak: SeriesPoint,
    /// The bucket `add_user_record` counted into last: its time range and
    /// index.
    arrival_bucket: (SimTime, SimTime),
    arrival_index: usize,
}

impl StreamSeries {
    /// A series covering `[0, duration)`.
    pub fn new(duration: SimTime) -> Self {
        let secs = duration.as_nanos().div_ceil(NANOS_PER_S).max(1);
        let bucket_s = secs.div_ceil(MAX_POINTS);
        let n = secs.div_ceil(bucket_s) as usize;
        StreamSeries {
            bucket_ns: bucket_s * NANOS_PER_S,
            points: vec![SeriesPoint::default(); n],
            second: 0,
            second_counted: false,
            tally: SeriesPoint::default(),
            peak: SeriesPoint::default(),
            arrival_bucket: (SimTime::ZERO, SimTime::ZERO),
            arrival_index: 0,
        }
    }

    /// Width of one bucket in whole seconds.
    pub fn bucket_s(&self) -> u64 {
        self.bucket_ns / NANOS_PER_S
    }

    /// The buckets, in time order.
    pub fn points(&self) -> &[SeriesPoint] {
        &self.points
    }

    /// Whether two instants fall in the same bucket.
    pub fn same_bucket(&self, a: SimTime, b: SimTime) -> bool {
        a.as_nanos() / self.bucket_ns == b.as_nanos() / self.bucket_ns
    }

    fn bucket(&mut self, t: SimTime) -> &mut SeriesPoint {
        let i = ((t.as_nanos() / self.bucket_ns) as usize).min(self.points.len() - 1);
        &mut self.points[i]
    }

    /// Counts `n` user records arriving at `t` (any order).
    pub fn add_user_records(&mut self, t: SimTime, n: u64) {
        self.bucket(t).user_records += n;
    }

    /// Counts one user record arriving at `t`: a comparison when it falls
    /// in the same bucket as the last one counted this way (arrivals come
    /// in long ordered runs), a division otherwise.
    #[inline]
    pub fn add_user_record(&mut self, t: SimTime) {
        let (start, end) = self.arrival_bucket;
        if t < start || t >= end {
            let i = ((t.as_nanos() / self.bucket_ns) as usize).min(self.points.len() - 1);
            let start = SimTime(i as u64 * self.bucket_ns);
            let end =
                if i + 1 == self.points.len() { SimTime::NEVER } else { SimTime(start.as_nanos() + self.bucket_ns) };
            self.arrival_bucket = (start, end);
            self.arrival_index = i;
        }
        self.points[self.arrival_index].user_records += 1;
    }

    /// Counts one put call's outcome at `now` (non-decreasing across calls):
    /// `records` accepted, of `bytes` real and `write_limit_bytes` charged,
    /// and `throttled` rejected; `counted` is false during warm-up
    /// (excluded from peaks).
    pub fn add_put(
        &mut self,
        now: SimTime,
        counted: bool,
        records: u64,
        (bytes, write_limit_bytes): (u64, u64),
        throttled: u64,
    ) {
        let p = self.bucket(now);
        p.incoming_records += records;
        p.incoming_bytes += bytes;
        p.write_limit_bytes += write_limit_bytes;
        p.write_throttled += throttled;
        let s = now.whole_secs();
        if s != self.second {
            self.close_second();
            self.second = s;
            self.tally = SeriesPoint::default();
        }
        self.second_counted |= counted;
        self.tally.incoming_records += records;
        self.tally.incoming_bytes += bytes;
        self.tally.write_limit_bytes += write_limit_bytes;
        self.tally.write_throttled += throttled;
    }

    /// Folds the last second into the peaks.
    pub fn finish(&mut self) {
        self.close_second();
        self.tally = SeriesPoint::default();
    }

    fn close_second(&mut self) {
        if self.second_counted {
            let (p, t) = (&mut self.peak, &self.tally);
            p.incoming_records = p.incoming_records.max(t.incoming_records);
            p.incoming_bytes = p.incoming_bytes.max(t.incoming_bytes);
            p.write_limit_bytes = p.write_limit_bytes.max(t.write_limit_bytes);
            p.write_throttled = p.write_throttled.max(t.write_throttled);
        }
        self.second_counted = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_use_wider_buckets_and_bounded_memory() {
        let s = StreamSeries::new(SimTime::from_secs(36_000));
        assert_eq!(s.bucket_s(), 10);
        assert_eq!(s.points().len(), 3_600);
        let short = StreamSeries::new(SimTime::from_secs_f64(90.5));
        assert_eq!((short.bucket_s(), short.points().len()), (1, 91));
    }

    #[test]
    fn peaks_are_per_second_even_in_wide_buckets() {
        let mut s = StreamSeries::new(SimTime::from_secs(36_000));
        s.add_put(SimTime::from_secs(0), true, 10, (100, 100), 0);
        s.add_put(SimTime::from_secs(1), true, 30, (300, 300), 2);
        s.add_put(SimTime::from_secs_f64(1.5), true, 5, (50, 50), 1);
        s.add_put(SimTime::from_secs(2), true, 20, (200, 200), 0);
        s.finish();
        assert_eq!(s.points()[0].incoming_records, 65);
        assert_eq!(s.peak.incoming_records, 35);
        assert_eq!(s.peak.write_throttled, 3);
    }
}
