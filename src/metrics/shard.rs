//! One shard's write counters: totals, and the peak per-second utilization
//! (accepted and attempted), which is what reveals a hot shard that a
//! one-minute CloudWatch average hides.

use crate::cost::meter::{on_demand_kib, put_payload_units};

/// Write-side counters of one shard.
#[derive(Clone, Debug, Default)]
pub struct ShardMeter {
    /// Records accepted (CloudWatch IncomingRecords).
    pub incoming_records: u64,
    /// Bytes accepted, data + partition key (IncomingBytes).
    pub incoming_bytes: u64,
    /// Record attempts rejected (WriteProvisionedThroughputExceeded).
    pub write_throttled: u64,
    /// Accepted records' real sizes (data + key, without PutRecord's 1 KB
    /// rounding for the limit): what is stored and billed.
    pub payload_bytes: u64,
    /// PUT payload units of the accepted records (provisioned billing).
    pub put_payload_units: u64,
    /// Accepted records' real sizes rounded up to whole KB each (on-demand
    /// billing), in KB.
    pub on_demand_kib: u64,
    /// Seconds in which at least one attempt was rejected.
    pub throttled_seconds: u64,
    /// Highest accepted load of any second, as a fraction of the limit.
    pub write_utilization_max: f64,
    /// Highest attempted load (accepted + rejected) of any second.
    pub write_demand_max: f64,
    current: SecondTally,
}

/// What one shard saw during one second.
#[derive(Clone, Copy, Debug, Default)]
struct SecondTally {
    second: u64,
    counted: bool,
    ok_records: u64,
    ok_bytes: u64,
    tried_records: u64,
    tried_bytes: u64,
}

impl ShardMeter {
    /// Records one attempt of `bytes` in whole second `second`; `counted`
    /// is false during warm-up. Seconds arrive in non-decreasing order.
    #[inline]
    pub fn attempt(&mut self, second: u64, counted: bool, bytes: u64, accepted: bool, limits: (u64, u64)) {
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
        }
        if counted {
            if accepted {
                self.incoming_records += 1;
                self.incoming_bytes += bytes;
            } else {
                self.write_throttled += 1;
            }
        }
    }

    /// Bills one accepted, counted record of real size `bytes`.
    #[inline]
    pub fn billed(&mut self, bytes: u64) {
        self.payload_bytes += bytes;
        self.put_payload_units += put_payload_units(bytes);
        self.on_demand_kib += on_demand_kib(bytes);
    }

    /// Folds the second in progress into the peaks; call once at the end.
    pub fn finish(&mut self, limits: (u64, u64)) {
        self.close_second(limits);
        self.current = SecondTally::default();
    }

    fn close_second(&mut self, (records_per_s, bytes_per_s): (u64, u64)) {
        let t = self.current;
        if !t.counted || t.tried_records == 0 {
            return;
        }
        let load = |r: u64, b: u64| (r as f64 / records_per_s as f64).max(b as f64 / bytes_per_s as f64);
        self.write_utilization_max = self.write_utilization_max.max(load(t.ok_records, t.ok_bytes));
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
    fn peaks_come_from_the_busiest_second() {
        let limits = (1_000, 1_048_576);
        let mut m = ShardMeter::default();
        for _ in 0..500 {
            m.attempt(0, true, 100, true, limits);
        }
        for i in 0..1_500 {
            m.attempt(1, true, 100, i < 1_000, limits);
        }
        m.attempt(2, true, 524_288, true, limits);
        m.finish(limits);
        assert_eq!(m.incoming_records, 1_501);
        assert_eq!(m.write_throttled, 500);
        assert_eq!(m.throttled_seconds, 1);
        assert_eq!(m.write_utilization_max, 1.0);
        assert_eq!(m.write_demand_max, 1.5);
    }

    #[test]
    fn billing_counts_each_record_in_its_own_units() {
        let mut m = ShardMeter::default();
        (0..1_500).for_each(|_| m.billed(100));
        m.billed(524_288);
        // 1,500 records of 100 B (1 unit, 1 KB each) and one of 512 KiB.
        assert_eq!((m.payload_bytes, m.put_payload_units, m.on_demand_kib), (674_288, 1_500 + 21, 1_500 + 512));
    }

    #[test]
    fn warmup_seconds_are_not_counted() {
        let limits = (1_000, 1_048_576);
        let mut m = ShardMeter::default();
        m.attempt(0, false, 100, false, limits);
        m.attempt(1, true, 100, true, limits);
        m.finish(limits);
        assert_eq!((m.incoming_records, m.write_throttled, m.throttled_seconds), (1, 0, 0));
        assert_eq!(m.write_utilization_max, 0.001);
    }
}
