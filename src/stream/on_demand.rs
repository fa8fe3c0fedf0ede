//! The on-demand (Standard) service's growth rule, as AWS describes it
//! (scaling-facts §6): a stream "accommodates up to double the peak write
//! throughput observed in the previous 30 days", and "when the incoming
//! traffic exceeds 500 KB/s per shard, it splits the shard within 15
//! minutes", evenly. Splitting at half a shard's limit is what keeps the
//! doubled headroom: a stream grows one split per busy shard, and traffic
//! that more than doubles within the delay throttles until the splits land.
//!
//! shardsim judges each open shard on the mean of its accepted traffic over
//! each whole minute it existed (a shard's first, partial minute is not
//! judged), schedules its split `split_delay_s` later, and never merges
//! (AWS documents no scale-down for Standard). The stream stops growing at
//! `max_write_mib_s` worth of shards. Pure: the simulation calls
//! [`OnDemandService::check`] every minute and splits what it returns when
//! the delay has passed.
//!
//! Advantage adds warm throughput: capacity available at once. When a
//! change of it takes effect ([`OnDemandService::warm_target`]), the stream
//! grows to the shards it needs by splitting its widest shards, or, lowered,
//! shrinks by merging its narrowest neighbours — but, as AWS says, not
//! below "the amount needed to support peak data ingest usage within the
//! last hour", which shardsim reads as the shards that keep the busiest of
//! the last 60 minutes under the split trigger (so the split rule does not
//! undo the merges at once).

use crate::metrics::ShardMeter;
use crate::scenario::model::OnDemandSpec;
use crate::time::SimTime;

/// The service's view of one on-demand stream.
#[derive(Clone, Debug)]
pub struct OnDemandService {
    spec: OnDemandSpec,
    max_shards: u32,
    /// Per shard index: accepted (records, bytes) at the last check, or
    /// `None` before the shard's first check.
    baseline: Vec<Option<(u64, u64)>>,
    /// Per shard index: when its split was decided, while it waits.
    decided: Vec<Option<SimTime>>,
    /// Per shard index: its last (up to) 60 minutes' mean accepted bytes/s,
    /// kept only for the what-if scale-down.
    shard_minutes: Vec<std::collections::VecDeque<u64>>,
    /// The stream's accepted bytes at the last check, and each of the last
    /// 60 minutes' mean accepted bytes/s.
    stream_total: u64,
    minutes: std::collections::VecDeque<u64>,
}

/// Minutes of "the last hour".
const HOUR_MINUTES: usize = 60;

impl OnDemandService {
    /// The service for `spec`, with per-shard write limit `shard_bytes`/s.
    pub fn new(spec: &OnDemandSpec, shard_bytes: u64) -> Self {
        OnDemandService {
            spec: spec.clone(),
            max_shards: spec.max_shards(shard_bytes),
            baseline: Vec::new(),
            decided: Vec::new(),
            shard_minutes: Vec::new(),
            stream_total: 0,
            minutes: std::collections::VecDeque::with_capacity(HOUR_MINUTES),
        }
    }

    /// The shard count a warm throughput of `bytes_per_s` asks for, given
    /// `open` shards: at least its warm shards; when lowered, not below what
    /// the last hour's busiest minute needs (see the module notes), nor
    /// below one shard; never above the ceiling.
    pub fn warm_target(&self, bytes_per_s: u64, open: u32, shard_bytes: u64) -> u32 {
        let warm = OnDemandSpec::warm_shards(bytes_per_s, shard_bytes);
        let target = if warm >= open {
            warm
        } else {
            let busiest = self.minutes.iter().max().copied().unwrap_or(0);
            let floor = busiest.div_ceil(self.spec.split_trigger_bytes_per_s.max(1)).min(u32::MAX as u64) as u32;
            warm.max(floor).max(1).min(open)
        };
        target.min(self.max_shards)
    }

    /// The delay from a decision to its split.
    pub fn split_delay(&self) -> SimTime {
        self.spec.split_delay
    }

    /// The check at `now`, a whole minute after the last: the open shards
    /// (indices into `meters`) whose accepted traffic over the last minute
    /// exceeded a trigger, each not already waiting for its split.
    pub fn check(&mut self, now: SimTime, open: &[u32], meters: &[ShardMeter], minute: SimTime) -> Vec<u32> {
        if self.baseline.len() < meters.len() {
            self.baseline.resize(meters.len(), None);
            self.decided.resize(meters.len(), None);
            if self.spec.merge_below_bytes_per_s > 0 {
                self.shard_minutes.resize(meters.len(), std::collections::VecDeque::new());
            }
        }
        let secs = minute.as_secs_f64();
        let total: u64 = meters.iter().map(|m| m.accepted_so_far().1).sum();
        if self.minutes.len() == HOUR_MINUTES {
            self.minutes.pop_front();
        }
        self.minutes.push_back(((total - self.stream_total) as f64 / secs) as u64);
        self.stream_total = total;
        let mut due = Vec::new();
        for &shard in open {
            let i = shard as usize;
            let now_total = meters[i].accepted_so_far();
            let Some(before) = self.baseline[i].replace(now_total) else { continue };
            let records_per_s = (now_total.0 - before.0) as f64 / secs;
            let bytes_per_s = (now_total.1 - before.1) as f64 / secs;
            if let Some(history) = self.shard_minutes.get_mut(i) {
                if history.len() == HOUR_MINUTES {
                    history.pop_front();
                }
                history.push_back(bytes_per_s as u64);
            }
            let hot = records_per_s > self.spec.split_trigger_records_per_s as f64
                || bytes_per_s > self.spec.split_trigger_bytes_per_s as f64;
            if hot && self.decided[i].is_none() {
                self.decided[i] = Some(now);
                due.push(shard);
            }
        }
        due
    }

    /// The what-if scale-down (`merge_below_kib_s`; AWS documents none for
    /// Standard): neighbours among `open` (in hash order) judged for a whole
    /// hour whose summed one-minute means all stayed below the threshold,
    /// paired left to right, none waiting for a split.
    pub fn merges(&self, open: &[u32]) -> Vec<(u32, u32)> {
        let threshold = self.spec.merge_below_bytes_per_s;
        let quiet = |a: u32, b: u32| {
            let (ha, hb) = (self.shard_minutes.get(a as usize), self.shard_minutes.get(b as usize));
            let (Some(ha), Some(hb)) = (ha, hb) else { return false };
            let waiting = |s: u32| self.decided.get(s as usize).is_some_and(Option::is_some);
            ha.len() == HOUR_MINUTES
                && hb.len() == HOUR_MINUTES
                && !waiting(a)
                && !waiting(b)
                && ha.iter().zip(hb).all(|(x, y)| x + y < threshold)
        };
        let mut out = Vec::new();
        let mut p = 0;
        while threshold > 0 && p + 1 < open.len() {
            if quiet(open[p], open[p + 1]) {
                out.push((open[p], open[p + 1]));
                p += 2;
            } else {
                p += 1;
            }
        }
        out
    }

    /// Whether the stream may grow past `open` shards.
    pub fn may_grow(&self, open: usize) -> bool {
        open < self.max_shards as usize
    }

    /// When `shard`'s split was decided, clearing it.
    pub fn take_decision(&mut self, shard: u32) -> Option<SimTime> {
        self.decided.get_mut(shard as usize)?.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::limits::MIB;

    fn spec() -> OnDemandSpec {
        OnDemandSpec {
            initial_shards: 4,
            previous_peak_bytes_per_s: 0,
            previous_peak_records_per_s: 0,
            split_trigger_bytes_per_s: 500 * 1_024,
            split_trigger_records_per_s: 500,
            split_delay: SimTime::from_secs(900),
            max_write_bytes_per_s: 200 * MIB,
            warm_throughput_bytes_per_s: 0,
            warm_throughput_delay: SimTime::from_secs(300),
            warm_throughput_changes: Vec::new(),
            merge_below_bytes_per_s: 0,
        }
    }

    #[test]
    fn the_what_if_scale_down_merges_neighbours_quiet_for_a_whole_hour() {
        let s = OnDemandSpec { merge_below_bytes_per_s: 250 * 1_024, ..spec() };
        let mut svc = OnDemandService::new(&s, MIB);
        let mut meters = vec![ShardMeter::default(), ShardMeter::default(), ShardMeter::default()];
        let minute = SimTime::from_secs(60);
        let open = [0, 1, 2];
        svc.check(minute, &open, &meters, minute);
        // Shards 0 and 1 at 100 KiB/s each (200 together, under 250); shard
        // 2 at 200 KiB/s (with shard 1: 300, over).
        for m in 1..=60u64 {
            load(&mut meters[0], (60 * m, 60 * m + 60), 100, 1_024);
            load(&mut meters[1], (60 * m, 60 * m + 60), 100, 1_024);
            load(&mut meters[2], (60 * m, 60 * m + 60), 200, 1_024);
            svc.check(SimTime::from_secs(60 * m + 60), &open, &meters, minute);
            let expected: &[(u32, u32)] = if m < 60 { &[] } else { &[(0, 1)] };
            assert_eq!(svc.merges(&open), expected, "after {m} judged minutes");
        }
        // Off by default.
        assert!(OnDemandService::new(&spec(), MIB).merges(&open).is_empty());
    }

    #[test]
    fn the_defaults_are_awss_figures_and_shardsims_documented_choices() {
        assert_eq!(OnDemandSpec::default(), spec());
    }

    #[test]
    fn lowered_warm_throughput_keeps_what_the_last_hours_busiest_minute_needs() {
        let mut svc = OnDemandService::new(&spec(), MIB);
        let mut meters = vec![ShardMeter::default()];
        let minute = SimTime::from_secs(60);
        svc.check(minute, &[0], &meters, minute);
        // A busy minute at 3 MiB/s, then quiet ones at 0.1 MiB/s.
        load(&mut meters[0], (60, 120), 3 * 1_024, 1_024);
        svc.check(SimTime::from_secs(120), &[0], &meters, minute);
        load(&mut meters[0], (120, 180), 100, 1_024);
        svc.check(SimTime::from_secs(180), &[0], &meters, minute);
        // Raised: the warm shards. Lowered from 40 to 0: not below
        // ceil(3 MiB/s / 500 KiB/s) = 7. Lowered to 20 MiB/s: 20.
        assert_eq!(svc.warm_target(50 * MIB, 4, MIB), 50);
        assert_eq!(svc.warm_target(0, 40, MIB), 7);
        assert_eq!(svc.warm_target(20 * MIB, 40, MIB), 20);
        // Past the ceiling, never.
        assert_eq!(svc.warm_target(500 * MIB, 4, MIB), 200);
    }

    /// A meter that accepted `records` of `bytes` each, spread over
    /// seconds `from..to`.
    fn load(m: &mut ShardMeter, (from, to): (u64, u64), per_s: u64, bytes: u64) {
        let limits = (u64::MAX, u64::MAX);
        for s in from..to {
            (0..per_s).for_each(|_| m.attempt(s, true, (bytes, bytes), true, limits));
        }
    }

    #[test]
    fn a_shard_over_a_trigger_for_a_whole_minute_is_split_once() {
        let mut svc = OnDemandService::new(&spec(), MIB);
        let mut meters = vec![ShardMeter::default(), ShardMeter::default()];
        let minute = SimTime::from_secs(60);
        // The first check only takes baselines.
        assert!(svc.check(minute, &[0, 1], &meters, minute).is_empty());
        // Shard 0: 600 records/s of 1 KiB (600 KiB/s); shard 1: 400 of 1 KiB.
        load(&mut meters[0], (60, 120), 600, 1_024);
        load(&mut meters[1], (60, 120), 400, 1_024);
        assert_eq!(svc.check(SimTime::from_secs(120), &[0, 1], &meters, minute), vec![0]);
        // Still hot a minute later, but already waiting.
        load(&mut meters[0], (120, 180), 600, 1_024);
        assert!(svc.check(SimTime::from_secs(180), &[0, 1], &meters, minute).is_empty());
        assert_eq!(svc.take_decision(0), Some(SimTime::from_secs(120)));
        // Records alone trigger too: 501 records/s of 10 bytes.
        load(&mut meters[1], (180, 240), 501, 10);
        load(&mut meters[0], (180, 240), 10, 10);
        assert_eq!(svc.check(SimTime::from_secs(240), &[0, 1], &meters, minute), vec![1]);
    }

    #[test]
    fn the_ceiling_and_the_starting_count_follow_max_write_and_the_previous_peak() {
        let s = OnDemandSpec { max_write_bytes_per_s: 10 * MIB, ..spec() };
        let svc = OnDemandService::new(&s, MIB);
        assert!(svc.may_grow(9) && !svc.may_grow(10));
        // A new stream: 4 shards. A 30-day peak of 10 MiB/s: room for 20.
        let limits = (1_000, MIB);
        assert_eq!(spec().starting_shards(limits), 4);
        let peaked = OnDemandSpec { previous_peak_bytes_per_s: 10 * MIB, ..spec() };
        assert_eq!(peaked.starting_shards(limits), 20);
        let by_records = OnDemandSpec { previous_peak_records_per_s: 15_000, ..spec() };
        assert_eq!(by_records.starting_shards(limits), 30);
        // Never beyond the ceiling.
        assert_eq!(OnDemandSpec { max_write_bytes_per_s: 8 * MIB, ..peaked }.starting_shards(limits), 8);
    }
}
