//! A KCL application's DynamoDB lease table: what its writes and reads
//! consume, and the checkpoints a provisioned table throttles.
//!
//! Writes are lease renewals — every held lease every `failover_time / 3 −
//! 25 ms` — and checkpoints; each is one write unit (a lease item is under
//! 1 KB). Reads are the lease taker's scans: each worker scans the whole
//! table every `(failover_time + 25 ms) × 2`, eventually consistent, at
//! half a read unit per 4 KB of items. Renewals and scans are steady, so
//! they are metered as rates; checkpoints are counted one by one.
//!
//! A provisioned table admits writes from a bucket refilled at `wcu` per
//! second that keeps up to 300 s of unused capacity (DynamoDB's burst
//! capacity), renewals first. A checkpoint that finds the bucket empty
//! reserves the next unit and waits: the SDK retries it after its
//! throttling back-off (equal jitter from 500 ms, up to 8 retries), and
//! the checkpoint lands at the first retry after its unit is there. While
//! it waits the record processor waits (the KCL's checkpoint call is
//! synchronous). A checkpoint still throttled after the last retry fails:
//! the KCL throws, and the position is saved by a later checkpoint. When
//! renewals alone need more than `wcu`, the excess renewals are throttled
//! (counted); shardsim does not take those leases away. An on-demand table
//! is never throttled. Read capacity is metered, not enforced.

use crate::consumer::polling::sdk_throttle_delay;
use crate::rng::SimRng;
use crate::scenario::model::LeaseTableSpec;
use crate::stream::limits::{
    DYNAMODB_BURST_S, DYNAMODB_READ_UNIT_BYTES, DYNAMODB_SDK_MAX_RETRIES, KCL_EPSILON_MS, KCL_LEASE_ITEM_BYTES,
};
use crate::time::SimTime;

/// What a lease table consumed and refused, for the report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeaseTableMeter {
    /// Checkpoint writes made (after the warm-up).
    pub checkpoints: u64,
    /// Of those, the ones throttled at least once.
    pub checkpoints_throttled: u64,
    /// Of those, the ones still throttled after the SDK's last retry.
    pub checkpoints_failed: u64,
    /// Checkpoint write attempts throttled (a checkpoint may be several).
    pub throttled_attempts: u64,
    /// Renewal writes the table could not admit.
    pub renewals_throttled: f64,
    /// Write units consumed: renewals and checkpoints.
    pub write_units: f64,
    /// Read units consumed by the lease taker's scans.
    pub read_units: f64,
    /// The busiest whole second's write units.
    pub write_units_per_s_max: f64,
    /// The highest read units per second.
    pub read_units_per_s_max: f64,
    /// Time metered (after the warm-up), for means.
    pub metered: SimTime,
    /// The total extra wait of throttled checkpoints.
    pub checkpoint_wait: SimTime,
}

/// One application's lease table.
#[derive(Clone, Debug)]
pub struct LeaseTable {
    spec: LeaseTableSpec,
    renew_every: SimTime,
    scan_every: SimTime,
    /// The metered window: from the warm-up's end to the run's.
    warmup: SimTime,
    end: SimTime,
    /// Write units in the bucket (negative: reserved ahead); provisioned
    /// only.
    tokens: f64,
    /// When the bucket and the meters were last brought up to date.
    last: SimTime,
    /// The second whose checkpoint writes `second_writes` counts.
    second: u64,
    second_writes: f64,
    /// Renewal units per second at the last update.
    renew_rate: f64,
    /// What it consumed.
    pub meter: LeaseTableMeter,
}

impl LeaseTable {
    /// The table of an application with `spec` and leases lasting
    /// `failover_time`, metering from `warmup` to `end`.
    pub fn new(spec: LeaseTableSpec, failover_time: SimTime, (warmup, end): (SimTime, SimTime)) -> Self {
        let epsilon = SimTime::from_millis_f64(KCL_EPSILON_MS);
        let tokens = match spec {
            LeaseTableSpec::Provisioned { wcu, .. } => wcu as f64 * DYNAMODB_BURST_S,
            LeaseTableSpec::OnDemand => 0.0,
        };
        LeaseTable {
            spec,
            renew_every: SimTime(failover_time.as_nanos() / 3) - epsilon,
            scan_every: SimTime((failover_time + epsilon).as_nanos() * 2),
            warmup,
            end,
            tokens,
            last: SimTime::ZERO,
            second: 0,
            second_writes: 0.0,
            renew_rate: 0.0,
            meter: LeaseTableMeter::default(),
        }
    }

    /// Brings the table up to `now` (never back in time) with `held`
    /// leases held by `workers` workers out of `items` in the table:
    /// renewals and scans since the last update are consumed.
    pub fn advance(&mut self, now: SimTime, (held, workers, items): (u32, u32, u32)) {
        // Writes after the run (a batch ending beyond it) are not metered.
        let now = now.max(self.last).min(self.end.max(self.last));
        let dt = (now - self.last).as_secs_f64();
        let from = self.last.max(self.warmup);
        let metered_time = if now > from { now - from } else { SimTime::ZERO };
        let metered = metered_time.as_secs_f64();
        let renew_rate = held as f64 / self.renew_every.as_secs_f64();
        // One eventually consistent scan: half a unit per 4 KB of items.
        let scan_units = 0.5 * (items as f64 * KCL_LEASE_ITEM_BYTES / DYNAMODB_READ_UNIT_BYTES).ceil();
        let read_rate = workers as f64 * scan_units / self.scan_every.as_secs_f64();
        let mut admitted = renew_rate;
        if let LeaseTableSpec::Provisioned { wcu, .. } = self.spec
            && dt > 0.0
        {
            // Renewals come first, from the burst left and the refill;
            // checkpoints' reservations (a negative balance) wait behind.
            let cap = wcu as f64 * DYNAMODB_BURST_S;
            let (refill, need) = (wcu as f64 * dt, renew_rate * dt);
            let available = self.tokens.max(0.0) + refill;
            if need > available {
                admitted = available / dt;
                self.meter.renewals_throttled += (need - available) * metered / dt;
                self.tokens = self.tokens.min(0.0);
            } else {
                self.tokens = (self.tokens + refill - need).min(cap);
            }
        }
        if metered > 0.0 {
            self.meter.write_units += admitted * metered;
            self.meter.read_units += read_rate * metered;
            self.meter.metered += metered_time;
            self.meter.read_units_per_s_max = self.meter.read_units_per_s_max.max(read_rate);
        }
        self.renew_rate = admitted;
        self.last = now;
    }

    /// A checkpoint written at `now` (after [`Self::advance`] to it), its
    /// retries' jitter drawn from `rng`: how long the processor waits for
    /// it, and whether it was saved.
    pub fn checkpoint(&mut self, now: SimTime, rng: &mut SimRng) -> (SimTime, bool) {
        let counted = now >= self.warmup && now < self.end;
        let LeaseTableSpec::Provisioned { wcu, .. } = self.spec else {
            self.count_write(now, counted);
            return (SimTime::ZERO, true);
        };
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            self.count_write(now, counted);
            return (SimTime::ZERO, true);
        }
        // Wait for the unit reserved: the refill beyond the renewals'.
        let net = wcu as f64 - self.renew_rate;
        let needed_s = if net > 0.0 { -self.tokens / net } else { f64::INFINITY };
        let mut waited = SimTime::ZERO;
        let mut attempts = 0;
        let saved = loop {
            if attempts == DYNAMODB_SDK_MAX_RETRIES {
                break false;
            }
            waited += sdk_throttle_delay(attempts, rng);
            attempts += 1;
            if waited.as_secs_f64() >= needed_s {
                break true;
            }
        };
        if !saved {
            // The unit was never taken.
            self.tokens += 1.0;
        }
        if counted {
            let m = &mut self.meter;
            m.checkpoints_throttled += 1;
            m.throttled_attempts += attempts as u64 + !saved as u64;
            m.checkpoints_failed += !saved as u64;
            m.checkpoint_wait += waited;
        }
        if saved {
            self.count_write(now, counted);
        }
        (waited, saved)
    }

    /// Counts one checkpoint write made at `now`.
    fn count_write(&mut self, now: SimTime, counted: bool) {
        if !counted {
            return;
        }
        self.meter.checkpoints += 1;
        self.meter.write_units += 1.0;
        let second = now.whole_secs();
        if second != self.second {
            self.close_second();
            self.second = second;
        }
        self.second_writes += 1.0;
    }

    /// Closes the second being counted into the per-second maximum.
    fn close_second(&mut self) {
        let busiest = self.second_writes + self.renew_rate;
        self.meter.write_units_per_s_max = self.meter.write_units_per_s_max.max(busiest);
        self.second_writes = 0.0;
    }

    /// The meter at the end of the run (brought up to `end` first by the
    /// caller).
    pub fn finish(mut self) -> LeaseTableMeter {
        self.close_second();
        self.meter
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn table(wcu: u32) -> LeaseTable {
        let spec = LeaseTableSpec::Provisioned { wcu, rcu: 1 };
        LeaseTable::new(spec, SimTime::from_secs(10), (SimTime::ZERO, SimTime::from_secs(3_600)))
    }

    #[test]
    fn checkpoints_beyond_capacity_throttle_once_the_burst_is_spent() {
        // 10 WCU keep 3,000 units of burst; 20 checkpoints a second spend
        // it at 10 a second: the first throttled one comes at 300 s.
        let mut t = table(10);
        let mut rng = SimRng::seed_from_u64(1);
        let mut first_throttled = None;
        for k in 0..400 * 20 {
            let now = SimTime::from_millis_f64(k as f64 * 50.0);
            t.advance(now, (0, 1, 1));
            // (A caller that never waits piles up reservations, so later
            // ones fail: the application here does not slow down.)
            let (wait, _) = t.checkpoint(now, &mut rng);
            if wait > SimTime::ZERO && first_throttled.is_none() {
                first_throttled = Some(now.as_secs_f64());
            }
        }
        let at = first_throttled.expect("throttled");
        assert!((at - 300.0).abs() < 0.1, "first throttled at {at} s");
        assert!(t.meter.checkpoints_failed > 0 && t.meter.checkpoints_throttled >= t.meter.checkpoints_failed);
    }

    #[test]
    fn renewals_beyond_capacity_are_refused_after_the_burst() {
        // 100 leases renew 100 / 3.3083 = 30.2 units a second against 10:
        // the 3,000 units of burst last 148.5 s, then 20.2 a second are
        // refused.
        let mut t = table(10);
        t.advance(SimTime::from_secs(600), (100, 1, 100));
        let rate = 100.0 / 3.308_333_333;
        let expected = (rate - 10.0) * 600.0 - 3_000.0;
        assert!((t.meter.renewals_throttled - expected).abs() < 1.0, "{} vs {expected}", t.meter.renewals_throttled);
        // An on-demand table refuses nothing.
        let mut free =
            LeaseTable::new(LeaseTableSpec::OnDemand, SimTime::from_secs(10), (SimTime::ZERO, SimTime::NEVER));
        free.advance(SimTime::from_secs(600), (100, 1, 100));
        assert_eq!(free.meter.renewals_throttled, 0.0);
        assert!((free.meter.write_units - rate * 600.0).abs() < 1e-6);
    }
}
