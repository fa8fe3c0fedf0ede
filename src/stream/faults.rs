//! The service's trouble over time: which `[[faults]]` windows are open at
//! an instant, and what they do to a put call, a put record, a request's
//! round trip and a read. Windows of the same kind that overlap combine
//! as independent causes: failure probabilities `1 − Π(1 − rate)`,
//! latency factors multiplied.
//!
//! A run without faults pays one comparison per put call (and per read
//! wake): [`Faults::puts_at`] and [`Faults::reads_at`] answer `None`
//! outside every window.

use crate::scenario::model::{Fault, FaultKind, ShardSet};
use crate::time::SimTime;

/// The error codes a client can be told, in the order reports list them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ErrorCodes {
    /// Records a shard rejected for throughput.
    #[serde(rename = "ProvisionedThroughputExceededException")]
    pub throttled: u64,
    /// Records (or calls, for reads) that failed with `InternalFailure`.
    #[serde(rename = "InternalFailure")]
    pub internal_failure: u64,
    /// Records of put calls that failed whole with `ServiceUnavailable`.
    #[serde(rename = "ServiceUnavailable")]
    pub service_unavailable: u64,
    /// Records of put calls the client gave up waiting for.
    #[serde(rename = "RequestTimeout")]
    pub request_timeout: u64,
}

impl std::ops::AddAssign<&ErrorCodes> for ErrorCodes {
    fn add_assign(&mut self, o: &ErrorCodes) {
        self.throttled += o.throttled;
        self.internal_failure += o.internal_failure;
        self.service_unavailable += o.service_unavailable;
        self.request_timeout += o.request_timeout;
    }
}

/// Every fault window of a run.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    windows: Vec<Fault>,
    /// The earliest start and latest end of put-side windows, and of read
    /// windows: outside them nothing is checked.
    puts: (SimTime, SimTime),
    reads: (SimTime, SimTime),
}

/// The put-side faults open at one instant.
#[derive(Clone, Copy, Debug)]
pub struct PutFaults<'a> {
    faults: &'a Faults,
    now: SimTime,
    /// Probability that a call fails whole with `ServiceUnavailable`.
    pub unavailable: f64,
}

/// The read faults open at one instant.
#[derive(Clone, Copy, Debug)]
pub struct ReadFaults<'a> {
    faults: &'a Faults,
    now: SimTime,
}

/// The put request slowdowns: `(from, to, factor)`.
pub type Slowdowns = Vec<(SimTime, SimTime, f64)>;

impl Faults {
    /// The windows of `specs`.
    pub fn new(specs: &[Fault]) -> Self {
        let span = |read: bool| {
            let of_side = specs.iter().filter(|f| matches!(f.kind, FaultKind::ReadFailure { .. }) == read);
            of_side.fold((SimTime::NEVER, SimTime::ZERO), |(lo, hi), f| (lo.min(f.from), hi.max(f.to)))
        };
        Faults { windows: specs.to_vec(), puts: span(false), reads: span(true) }
    }

    fn open_at(&self, now: SimTime) -> impl Iterator<Item = &FaultKind> {
        self.windows.iter().filter(move |f| f.from <= now && now < f.to).map(|f| &f.kind)
    }

    /// The put-side faults open at `now` that fail records or calls, if
    /// any.
    #[inline]
    pub fn puts_at(&self, now: SimTime) -> Option<PutFaults<'_>> {
        if now < self.puts.0 || now >= self.puts.1 {
            return None;
        }
        let mut failing = false;
        let mut ok = 1.0;
        for kind in self.open_at(now) {
            match kind {
                FaultKind::InternalFailure { .. } => failing = true,
                FaultKind::ServiceUnavailable { rate } => {
                    failing = true;
                    ok *= 1.0 - rate;
                }
                _ => {}
            }
        }
        failing.then_some(PutFaults { faults: self, now, unavailable: 1.0 - ok })
    }

    /// The read faults open at `now`, if any.
    #[inline]
    pub fn reads_at(&self, now: SimTime) -> Option<ReadFaults<'_>> {
        let open = now >= self.reads.0 && now < self.reads.1;
        (open && self.open_at(now).any(|k| matches!(k, FaultKind::ReadFailure { .. })))
            .then_some(ReadFaults { faults: self, now })
    }

    /// The probability that something on `shard` fails at `now`, from the
    /// open windows `of` gives a rate and shards for.
    fn failing(&self, now: SimTime, shard: u32, of: fn(&FaultKind) -> Option<(f64, &ShardSet)>) -> f64 {
        let ok: f64 = (self.open_at(now).filter_map(of))
            .filter(|(_, shards)| shards.contains(shard))
            .map(|(rate, _)| 1.0 - rate)
            .product();
        1.0 - ok
    }

    /// The latency windows, for a client's requests.
    pub fn slowdowns(&self) -> Slowdowns {
        (self.windows.iter())
            .filter_map(|f| match f.kind {
                FaultKind::Latency { factor } => Some((f.from, f.to, factor)),
                _ => None,
            })
            .collect()
    }
}

impl PutFaults<'_> {
    /// Probability that a record offered to `shard` fails with
    /// `InternalFailure`.
    pub fn internal(&self, shard: u32) -> f64 {
        self.faults.failing(self.now, shard, |k| match k {
            FaultKind::InternalFailure { rate, shards } => Some((*rate, shards)),
            _ => None,
        })
    }
}

impl ReadFaults<'_> {
    /// Probability that a read of `shard` fails with `InternalFailure`.
    pub fn failure(&self, shard: u32) -> f64 {
        self.faults.failing(self.now, shard, |k| match k {
            FaultKind::ReadFailure { rate, shards } => Some((*rate, shards)),
            _ => None,
        })
    }
}

/// The factor a request leaving at `now` takes its round trip by.
pub fn slowdown_at(slowdowns: &[(SimTime, SimTime, f64)], now: SimTime) -> f64 {
    (slowdowns.iter()).filter(|(from, to, _)| *from <= now && now < *to).map(|(_, _, f)| f).product()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime::from_secs(secs)
    }

    #[test]
    fn overlapping_windows_combine_as_independent_causes() {
        let faults = Faults::new(&[
            Fault { kind: FaultKind::InternalFailure { rate: 0.5, shards: ShardSet::All }, from: s(10), to: s(20) },
            Fault {
                kind: FaultKind::InternalFailure { rate: 0.5, shards: ShardSet::Only(vec![3]) },
                from: s(15),
                to: s(30),
            },
            Fault { kind: FaultKind::ServiceUnavailable { rate: 0.1 }, from: s(25), to: s(26) },
            Fault { kind: FaultKind::Latency { factor: 4.0 }, from: s(0), to: s(12) },
            Fault { kind: FaultKind::Latency { factor: 2.5 }, from: s(11), to: s(40) },
            Fault { kind: FaultKind::ReadFailure { rate: 0.2, shards: ShardSet::All }, from: s(50), to: s(60) },
        ]);
        assert!(faults.puts_at(s(9)).is_none() && faults.puts_at(s(30)).is_none());
        let at = |t| faults.puts_at(s(t)).expect("open");
        assert_eq!((at(12).internal(3), at(12).internal(0), at(12).unavailable), (0.5, 0.5, 0.0));
        assert_eq!((at(17).internal(3), at(17).internal(0)), (0.75, 0.5));
        assert_eq!((at(25).internal(3), at(25).internal(0)), (0.5, 0.0));
        assert!((at(25).unavailable - 0.1).abs() < 1e-12);
        let slow = faults.slowdowns();
        assert_eq!([0, 11, 12, 40].map(|t| slowdown_at(&slow, s(t))), [4.0, 10.0, 2.5, 1.0]);
        assert!(faults.reads_at(s(20)).is_none());
        assert!((faults.reads_at(s(55)).expect("open").failure(7) - 0.2).abs() < 1e-12);
        // A latency window alone fails nothing.
        assert!(
            Faults::new(&[Fault { kind: FaultKind::Latency { factor: 2.0 }, from: s(0), to: s(9) }])
                .puts_at(s(1))
                .is_none()
        );
    }
}
