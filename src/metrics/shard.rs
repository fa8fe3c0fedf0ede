//! One shard's write counters: totals, the peak per-second utilization
//! (accepted and attempted), which is what reveals a hot shard that a
//! one-minute CloudWatch average hides, and a time series of cells (one
//! second wide unless shards × seconds would exceed [`MAX_SHARD_CELLS`]) for
//! the heatmap and `timeseries.csv`.

use crate::cost::meter::{PUT_PAYLOAD_UNIT_BYTES, on_demand_kib, put_payload_units};
use crate::time::{NANOS_PER_S, SimTime};

/// Most per-shard time-series cells a run keeps, over all shards (24 bytes
/// each: at most 12 MiB).
pub const MAX_SHARD_CELLS: u64 = 1 << 19;

/// One shard's writes within one time cell (seconds after warm-up only).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ShardCell {
    /// Records accepted.
    pub incoming_records: u32,
    /// Record attempts rejected.
    pub write_throttled: u32,
    /// Bytes accepted: data + partition key, as CloudWatch's
    /// `IncomingBytes` counts them (the utilization uses the charged size).
    pub incoming_bytes: u64,
    /// Highest accepted load of one second in the cell, over the limit.
    pub write_utilization_max: f32,
}

/// Width in whole seconds and count of the per-shard cells for a run of
/// `duration` over `shards` shards: `min_cell_s` (the stream series'
/// bucket) or wider, so that shards × cells stays within
/// [`MAX_SHARD_CELLS`].
pub fn cell_shape(duration: SimTime, shards: usize, min_cell_s: u64) -> (u64, usize) {
    let secs = duration.as_nanos().div_ceil(NANOS_PER_S).max(1);
    let cell_s = min_cell_s.max((secs * shards as u64).div_ceil(MAX_SHARD_CELLS)).max(1);
    (cell_s, secs.div_ceil(cell_s) as usize)
}

/// Write-side counters of one shard. Every record attempt updates only the
/// meter's first cache line, the second in progress: the totals are that
/// second's tally added in when it closes (and on request, see
/// [`ShardMeter::totals`]). On a stream of thousands of shards each attempt
/// finds its shard's meter out of cache, and when the totals had a line of
/// their own the second line was one of five lines a record waited for.
#[derive(Clone, Debug, Default)]
#[repr(C, align(64))]
pub struct ShardMeter {
    current: SecondTally,
    /// Totals of the seconds closed so far.
    closed: WriteTotals,
    /// The second in progress's attempts during warm-up (not counted): only
    /// a second that spans the warm-up's end holds both kinds.
    warm: WriteTotals,
    /// Seconds in which at least one attempt was rejected.
    pub throttled_seconds: u64,
    /// Highest accepted load of any second, as a fraction of the limit.
    pub write_utilization_max: f64,
    /// Highest attempted load (accepted + rejected) of any second.
    pub write_demand_max: f64,
    /// The time series, cell by cell (empty when not kept).
    pub cells: Vec<ShardCell>,
    /// Width of one cell in whole seconds.
    pub cell_s: u64,
    /// Records and bytes accepted in the seconds closed so far, warm-up
    /// included: what an on-demand stream's service sees.
    accepted_closed: (u64, u64),
}

/// A shard's counted writes (after warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteTotals {
    /// Records accepted (CloudWatch IncomingRecords).
    pub incoming_records: u64,
    /// Accepted records' real sizes, data + partition key (CloudWatch's
    /// IncomingBytes): what is stored and billed.
    pub incoming_bytes: u64,
    /// The same records' sizes as the write limit charged them: PutRecord
    /// rounds each up to a whole KiB.
    pub write_limit_bytes: u64,
    /// Record attempts rejected (WriteProvisionedThroughputExceeded).
    pub write_throttled: u64,
    /// Accepted records' real sizes rounded up to whole KB each (on-demand
    /// billing), in KB.
    pub on_demand_kib: u64,
    /// PUT payload units beyond the first of each accepted record; see
    /// [`WriteTotals::put_payload_units`].
    extra_put_payload_units: u64,
}

impl WriteTotals {
    /// PUT payload units of the accepted records (provisioned billing).
    pub fn put_payload_units(&self) -> u64 {
        self.incoming_records + self.extra_put_payload_units
    }

    fn add(&mut self, o: WriteTotals) {
        self.incoming_records += o.incoming_records;
        self.incoming_bytes += o.incoming_bytes;
        self.write_limit_bytes += o.write_limit_bytes;
        self.write_throttled += o.write_throttled;
        self.on_demand_kib += o.on_demand_kib;
        self.extra_put_payload_units += o.extra_put_payload_units;
    }

    fn minus(self, o: WriteTotals) -> WriteTotals {
        WriteTotals {
            incoming_records: self.incoming_records - o.incoming_records,
            incoming_bytes: self.incoming_bytes - o.incoming_bytes,
            write_limit_bytes: self.write_limit_bytes - o.write_limit_bytes,
            write_throttled: self.write_throttled - o.write_throttled,
            on_demand_kib: self.on_demand_kib - o.on_demand_kib,
            extra_put_payload_units: self.extra_put_payload_units - o.extra_put_payload_units,
        }
    }
}

/// What one shard saw during one second, warm-up included: one cache line.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct SecondTally {
    second: u64,
    ok_records: u64,
    ok_bytes: u64,
    tried_records: u64,
    tried_bytes: u64,
    /// Accepted records' real sizes, and those rounded up to whole KB each.
    ok_real_bytes: u64,
    ok_kib: u64,
    counted: bool,
}

impl SecondTally {
    /// Its attempts as totals, beyond-the-first PUT payload units excepted
    /// (rare: those go straight to the meter's totals).
    fn totals(&self) -> WriteTotals {
        WriteTotals {
            incoming_records: self.ok_records,
            incoming_bytes: self.ok_real_bytes,
            write_limit_bytes: self.ok_bytes,
            write_throttled: self.tried_records - self.ok_records,
            on_demand_kib: self.ok_kib,
            extra_put_payload_units: 0,
        }
    }
}

impl ShardMeter {
    /// A meter keeping `cells` time-series cells of `cell_s` seconds.
    pub fn with_cells(cell_s: u64, cells: usize) -> Self {
        ShardMeter { cells: vec![ShardCell::default(); cells], cell_s: cell_s.max(1), ..ShardMeter::default() }
    }

    /// Records one attempt of `bytes` (as the limit counts them; the record's
    /// real size is `real_bytes`) in whole second `second`; `counted` is
    /// false during warm-up. Seconds arrive in non-decreasing order.
    #[inline]
    pub fn attempt(
        &mut self,
        second: u64,
        counted: bool,
        (bytes, real_bytes): (u64, u64),
        accepted: bool,
        limits: (u64, u64),
    ) {
        if second != self.current.second {
            self.close_second(limits);
            self.current = SecondTally { second, counted, ..SecondTally::default() };
        }
        self.current.counted |= counted;
        let t = &mut self.current;
        t.tried_records += 1;
        t.tried_bytes += bytes;
        if accepted {
            t.ok_records += 1;
            t.ok_bytes += bytes;
            t.ok_real_bytes += real_bytes;
            t.ok_kib += on_demand_kib(real_bytes);
        }
        if !counted {
            self.warm_up(bytes, real_bytes, accepted);
        } else if accepted && real_bytes > PUT_PAYLOAD_UNIT_BYTES {
            // Most records are one unit: count only the rest, so the common
            // case costs a predictable branch instead of a division.
            self.closed.extra_put_payload_units += put_payload_units(real_bytes) - 1;
        }
    }

    /// Notes an attempt during warm-up, to leave out of the totals.
    #[cold]
    fn warm_up(&mut self, bytes: u64, real_bytes: u64, accepted: bool) {
        let w = &mut self.warm;
        if accepted {
            w.incoming_records += 1;
            w.incoming_bytes += real_bytes;
            w.write_limit_bytes += bytes;
            w.on_demand_kib += on_demand_kib(real_bytes);
        } else {
            w.write_throttled += 1;
        }
    }

    /// The counted writes so far (the second in progress too).
    pub fn totals(&self) -> WriteTotals {
        let mut t = self.closed;
        t.add(self.current.totals().minus(self.warm));
        t
    }

    /// Folds the second in progress into the peaks; call once at the end.
    pub fn finish(&mut self, limits: (u64, u64)) {
        self.close_second(limits);
        self.current = SecondTally::default();
    }

    /// Records and bytes accepted since the start, warm-up included (the
    /// second in progress too).
    pub fn accepted_so_far(&self) -> (u64, u64) {
        (self.accepted_closed.0 + self.current.ok_records, self.accepted_closed.1 + self.current.ok_bytes)
    }

    fn close_second(&mut self, (records_per_s, bytes_per_s): (u64, u64)) {
        let t = self.current;
        self.accepted_closed.0 += t.ok_records;
        self.accepted_closed.1 += t.ok_bytes;
        self.closed.add(t.totals().minus(self.warm));
        self.warm = WriteTotals::default();
        if !t.counted || t.tried_records == 0 {
            return;
        }
        let load = |r: u64, b: u64| (r as f64 / records_per_s as f64).max(b as f64 / bytes_per_s as f64);
        let accepted = load(t.ok_records, t.ok_bytes);
        self.write_utilization_max = self.write_utilization_max.max(accepted);
        if let Some(c) = self.cells.get_mut((t.second / self.cell_s.max(1)) as usize) {
            c.incoming_records = c.incoming_records.saturating_add(t.ok_records as u32);
            c.write_throttled = c.write_throttled.saturating_add((t.tried_records - t.ok_records) as u32);
            c.incoming_bytes += t.ok_real_bytes;
            c.write_utilization_max = c.write_utilization_max.max(accepted as f32);
        }
        self.write_demand_max = self.write_demand_max.max(load(t.tried_records, t.tried_bytes));
        if t.tried_records > t.ok_records {
            self.throttled_seconds += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_touches_the_meters_first_cache_line() {
        assert_eq!(std::mem::align_of::<ShardMeter>(), 64);
        assert!(std::mem::size_of::<SecondTally>() <= 64);
        let m = ShardMeter::default();
        let offset = |p: *const SecondTally| p as usize - (&m as *const ShardMeter as usize);
        assert_eq!(offset(&m.current), 0);
    }

    #[test]
    fn peaks_come_from_the_busiest_second() {
        let limits = (1_000, 1_048_576);
        let mut m = ShardMeter::default();
        for _ in 0..500 {
            m.attempt(0, true, (100, 100), true, limits);
        }
        for i in 0..1_500 {
            m.attempt(1, true, (100, 100), i < 1_000, limits);
        }
        m.attempt(2, true, (524_288, 524_288), true, limits);
        m.finish(limits);
        assert_eq!(m.totals().incoming_records, 1_501);
        assert_eq!(m.totals().write_throttled, 500);
        assert_eq!(m.throttled_seconds, 1);
        assert_eq!(m.write_utilization_max, 1.0);
        assert_eq!(m.write_demand_max, 1.5);
    }

    #[test]
    fn billing_counts_each_record_in_its_own_units() {
        let limits = (1_000_000, 1 << 30);
        let mut m = ShardMeter::default();
        (0..1_500).for_each(|_| m.attempt(0, true, (100, 100), true, limits));
        m.attempt(0, true, (524_288, 524_288), true, limits);
        m.attempt(0, true, (25_600, 25_600), true, limits);
        m.attempt(0, true, (2_048, 1_000), true, limits);
        m.attempt(0, true, (25_601, 25_601), false, limits);
        m.attempt(0, false, (25_601, 25_601), true, limits);
        // 1,500 records of 100 B (1 unit, 1 KB each), one of 512 KiB (21
        // units, 512 KB), one of exactly 25 KB (1 unit), and one of 1,000 B
        // that PutRecord charged as 2 KB against the limit; the rejected and
        // the warm-up records are not billed.
        // The second in progress counts, and closing it changes nothing.
        for t in [m.totals(), {
            m.finish(limits);
            m.totals()
        }] {
            assert_eq!(t.incoming_bytes, 1_500 * 100 + 524_288 + 25_600 + 1_000);
            assert_eq!(t.write_limit_bytes, 1_500 * 100 + 524_288 + 25_600 + 2_048);
            assert_eq!(t.put_payload_units(), 1_500 + 21 + 1 + 1);
            assert_eq!(t.on_demand_kib, 1_500 + 512 + 25 + 1);
        }
    }

    #[test]
    fn cells_sum_the_seconds_they_cover() {
        let limits = (1_000, 1_048_576);
        let mut m = ShardMeter::with_cells(2, 3);
        for (second, n) in [(0, 500), (1, 1_500), (2, 10), (5, 7)] {
            (0..n).for_each(|i| m.attempt(second, true, (100, 100), i < 1_000, limits));
        }
        m.finish(limits);
        let records: Vec<u32> = m.cells.iter().map(|c| c.incoming_records).collect();
        assert_eq!(records, [1_500, 10, 7]);
        assert_eq!(m.cells[0].write_throttled, 500);
        assert_eq!(m.cells[0].write_utilization_max, 1.0);
        assert_eq!(m.cells.iter().map(|c| c.incoming_records as u64).sum::<u64>(), m.totals().incoming_records);
        // Shapes: one-second cells while they fit, wider beyond.
        let hour = SimTime::from_secs(3_600);
        assert_eq!(cell_shape(hour, 100, 1), (1, 3_600));
        assert_eq!(cell_shape(hour, 1_000, 1), (7, 515));
        assert_eq!(cell_shape(SimTime::from_secs(36_000), 4, 10), (10, 3_600));
    }

    #[test]
    fn warmup_seconds_are_not_counted() {
        let limits = (1_000, 1_048_576);
        let mut m = ShardMeter::default();
        m.attempt(0, false, (100, 100), false, limits);
        m.attempt(1, true, (100, 100), true, limits);
        m.finish(limits);
        assert_eq!((m.totals().incoming_records, m.totals().write_throttled, m.throttled_seconds), (1, 0, 0));
        assert_eq!(m.write_utilization_max, 0.001);
        // A second that spans the warm-up's end: only its counted attempts
        // are totalled, its whole load makes its peak.
        let mut m = ShardMeter::default();
        (0..300).for_each(|i| m.attempt(4, false, (2_000, 2_000), i < 200, limits));
        assert_eq!(m.totals(), WriteTotals::default());
        (0..700).for_each(|i| m.attempt(4, true, (40_000, 30_000), i < 100, limits));
        let t = m.totals();
        assert_eq!((t.incoming_records, t.write_throttled), (100, 600));
        assert_eq!((t.write_limit_bytes, t.incoming_bytes, t.put_payload_units()), (4_000_000, 3_000_000, 200));
        assert_eq!(t.on_demand_kib, 100 * 30);
        m.attempt(5, true, (1, 1), true, limits);
        m.finish(limits);
        assert_eq!(m.totals().incoming_records, 101);
        assert_eq!(m.write_demand_max, (300.0 * 2_000.0 + 700.0 * 40_000.0) / 1_048_576.0);
    }
}
