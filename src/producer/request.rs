//! How a client instance's put requests travel: each takes a round trip
//! drawn from `request_latency_ms`, at most `max_concurrent` are in flight
//! at once (the SDK's `max_concurrent_requests`, the KPL's
//! `max_connections`), and a request not answered within
//! `request_timeout_ms` fails on the client.
//!
//! A request ready when every slot is busy waits for the first slot to
//! free, in the order requests became ready (a FIFO queue in front of
//! `max_concurrent` servers: each takes the slot that frees first). It
//! reaches the shards half its round trip after it leaves, where the
//! throttle decision is made and accepted records are stored, and its
//! response arrives the other half later. Which share of the round trip
//! lies before the shard AWS does not say; half is shardsim's choice.
//!
//! A timed-out request is answered, as a failure, at the timeout; its slot
//! frees then. The service handles it all the same when it reaches the
//! shard (shardsim's rule: the service does not know the client gave up),
//! so records it stored are stored again when the client sends them anew.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::rng::SimRng;
use crate::scenario::model::{LatencyDist, RequestSpec};
use crate::stream::faults::{Slowdowns, slowdown_at};
use crate::stream::limits::REQUEST_LATENCY_MAX_MS;
use crate::time::SimTime;
use crate::workload::size::lognormal_from_median_p99;

/// Draws request round trips.
#[derive(Clone, Debug)]
enum LatencyGen {
    Fixed(SimTime),
    /// `exp(mu + sigma·z)` ms, cut at [`REQUEST_LATENCY_MAX_MS`].
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Values and their cumulative weights (the last is the total).
    Discrete {
        values: Vec<SimTime>,
        cumulative: Vec<f64>,
    },
}

impl LatencyGen {
    fn new(dist: &LatencyDist) -> Self {
        match dist {
            LatencyDist::Fixed { ms } => LatencyGen::Fixed(SimTime::from_millis_f64(*ms)),
            LatencyDist::LogNormal { median, p99 } => {
                let (mu, sigma) = lognormal_from_median_p99(*median, *p99);
                LatencyGen::LogNormal { mu, sigma }
            }
            LatencyDist::Discrete { ms, weights } => LatencyGen::Discrete {
                values: ms.iter().map(|m| SimTime::from_millis_f64(*m)).collect(),
                cumulative: weights
                    .iter()
                    .scan(0.0, |sum, w| {
                        *sum += w;
                        Some(*sum)
                    })
                    .collect(),
            },
        }
    }

    fn draw(&self, rng: &mut SimRng) -> SimTime {
        match self {
            LatencyGen::Fixed(t) => *t,
            LatencyGen::LogNormal { mu, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                SimTime::from_millis_f64((mu + sigma * z).exp().min(REQUEST_LATENCY_MAX_MS))
            }
            LatencyGen::Discrete { values, cumulative } => {
                let total = cumulative.last().copied().unwrap_or(0.0);
                let u = rng.random_range(0.0..total);
                // The first value whose cumulative weight exceeds u: a zero
                // weight is never chosen.
                let i = cumulative.partition_point(|c| *c <= u).min(values.len() - 1);
                values[i]
            }
        }
    }
}

/// One request's journey.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trip {
    /// When it left (at or after it was ready).
    pub departs: SimTime,
    /// When it reaches the shards: the throttle decision, and the accepted
    /// records' arrival time.
    pub reaches_shards: SimTime,
    /// When the client has its answer: the response, or the timeout.
    pub answered: SimTime,
    /// Whether the client gave up waiting (the answer is a timeout).
    pub timed_out: bool,
}

impl Trip {
    /// A request answered the instant it leaves at `now`.
    pub fn instant(now: SimTime) -> Trip {
        Trip { departs: now, reaches_shards: now, answered: now, timed_out: false }
    }

    /// What the client saw of the round trip: until the response or the
    /// timeout.
    pub fn latency(&self) -> SimTime {
        self.answered - self.departs
    }

    /// How long the request waited for a free slot.
    pub fn wait(&self, ready: SimTime) -> SimTime {
        self.departs - ready
    }
}

/// A client instance's request slots and latency draws.
#[derive(Debug)]
pub struct Requests {
    latency: LatencyGen,
    timeout: SimTime,
    /// When each busy slot frees (at most `max_concurrent` entries; a
    /// missing entry is a free slot).
    busy_until: BinaryHeap<Reverse<SimTime>>,
    max_concurrent: usize,
    rng: SimRng,
    /// `[[faults]]` latency windows (usually none).
    slowdowns: Slowdowns,
}

impl Requests {
    /// The slots of an instance with `spec`, drawing latencies from `rng`.
    pub fn new(spec: &RequestSpec, rng: SimRng) -> Self {
        Requests {
            latency: LatencyGen::new(&spec.latency),
            timeout: spec.timeout,
            busy_until: BinaryHeap::new(),
            max_concurrent: spec.max_concurrent as usize,
            rng,
            slowdowns: Slowdowns::new(),
        }
    }

    /// Requests leaving within one of `slowdowns` take its factor times
    /// their drawn round trip.
    pub fn slow_down(&mut self, slowdowns: Slowdowns) {
        self.slowdowns = slowdowns;
    }

    /// Whether every request is answered the instant it is sent (a fixed
    /// latency of 0): callers may then skip the event queue.
    pub fn instant(&self) -> bool {
        matches!(self.latency, LatencyGen::Fixed(SimTime::ZERO))
    }

    /// When a request ready now could leave: now, or when the first slot
    /// frees.
    pub fn free_at(&self, now: SimTime) -> SimTime {
        if self.busy_until.len() < self.max_concurrent {
            return now;
        }
        self.busy_until.peek().map_or(now, |Reverse(t)| (*t).max(now))
    }

    /// Sends a request that is ready at `ready`: it takes the slot that
    /// frees first (callers send in the order requests became ready).
    pub fn send(&mut self, ready: SimTime) -> Trip {
        let departs = self.free_at(ready);
        if self.busy_until.len() >= self.max_concurrent {
            self.busy_until.pop();
        }
        let mut latency = self.latency.draw(&mut self.rng);
        if !self.slowdowns.is_empty() {
            let factor = slowdown_at(&self.slowdowns, departs);
            latency = SimTime::from_millis_f64((latency.as_millis_f64() * factor).min(REQUEST_LATENCY_MAX_MS));
        }
        let timed_out = latency > self.timeout;
        let answered = departs + latency.min(self.timeout);
        self.busy_until.push(Reverse(answered));
        Trip { departs, reaches_shards: departs + SimTime(latency.as_nanos() / 2), answered, timed_out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamId, rng_for};

    fn requests(latency: LatencyDist, max_concurrent: u32, timeout_ms: f64) -> Requests {
        let rng = rng_for(5, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Requests });
        let spec = RequestSpec { latency, max_concurrent, timeout: SimTime::from_millis_f64(timeout_ms) };
        Requests::new(&spec, rng)
    }

    #[test]
    fn one_slot_serves_requests_one_after_another() {
        let mut r = requests(LatencyDist::Fixed { ms: 20.0 }, 1, 1_000.0);
        let ms = |m: u64| SimTime::from_millis_f64(m as f64);
        // Three requests ready at once leave 20 ms apart, each reaching the
        // shards 10 ms after it left.
        let trips: Vec<Trip> = (0..3).map(|_| r.send(SimTime::ZERO)).collect();
        assert_eq!(trips.iter().map(|t| t.departs).collect::<Vec<_>>(), [ms(0), ms(20), ms(40)]);
        assert_eq!(trips.iter().map(|t| t.reaches_shards).collect::<Vec<_>>(), [ms(10), ms(30), ms(50)]);
        assert_eq!(trips[2].wait(SimTime::ZERO), ms(40));
        // One ready later than the slot frees leaves at once.
        assert_eq!(r.send(ms(100)).departs, ms(100));
    }

    #[test]
    fn k_slots_serve_k_requests_at_once() {
        let mut r = requests(LatencyDist::Fixed { ms: 20.0 }, 10, 1_000.0);
        let departs: Vec<SimTime> = (0..25).map(|_| r.send(SimTime::ZERO).departs).collect();
        assert!(departs[..10].iter().all(|t| *t == SimTime::ZERO));
        assert!(departs[10..20].iter().all(|t| *t == SimTime::from_millis_f64(20.0)));
        assert!(departs[20..].iter().all(|t| *t == SimTime::from_millis_f64(40.0)));
    }

    #[test]
    fn a_request_longer_than_the_timeout_is_answered_at_the_timeout() {
        let mut r = requests(LatencyDist::Fixed { ms: 8_000.0 }, 1, 6_000.0);
        let t = r.send(SimTime::ZERO);
        assert!(t.timed_out);
        assert_eq!(t.answered, SimTime::from_millis_f64(6_000.0));
        // It still reaches the shards, half its round trip after leaving.
        assert_eq!(t.reaches_shards, SimTime::from_millis_f64(4_000.0));
        // Its slot frees at the timeout.
        assert_eq!(r.send(SimTime::ZERO).departs, SimTime::from_millis_f64(6_000.0));
    }

    #[test]
    fn lognormal_latency_hits_its_median_and_p99() {
        let mut r = requests(LatencyDist::LogNormal { median: 25.0, p99: 100.0 }, 1_000_000, 1e9);
        let mut v: Vec<f64> = (0..200_000).map(|_| r.send(SimTime::ZERO).latency().as_millis_f64()).collect();
        v.sort_by(f64::total_cmp);
        let (median, p99) = (v[v.len() / 2], v[v.len() * 99 / 100]);
        // 200,000 draws: the sample quantiles are within 1 % and 3 %.
        assert!((median / 25.0 - 1.0).abs() < 0.01, "median {median}");
        assert!((p99 / 100.0 - 1.0).abs() < 0.03, "p99 {p99}");
    }

    #[test]
    fn discrete_latency_draws_each_value_by_its_weight() {
        let dist = LatencyDist::Discrete { ms: vec![20.0, 8_000.0, 5.0], weights: vec![99.0, 1.0, 0.0] };
        let mut r = requests(dist, 1_000_000, 1e9);
        let n = 100_000;
        let slow = (0..n).filter(|_| r.send(SimTime::ZERO).latency() == SimTime::from_millis_f64(8_000.0)).count();
        // Binomial(100,000, 1 %): sd 31.5; 5 sd.
        assert!((slow as f64 - 1_000.0).abs() < 160.0, "{slow} slow of {n}");
    }
}
