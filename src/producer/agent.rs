//! The Kinesis Agent's publisher throttle (awslabs/amazon-kinesis-agent,
//! `AsyncPublisherThrottler`): the agent sends its buffers through the SDK
//! client's machinery, but where the SDK loop backs off each failed call
//! on its own, the agent's publisher keeps one failure count for the whole
//! flow and sleeps before its next send, whatever that send holds.
//!
//! The count grows by the share of a call's records that failed (1 for a
//! call that failed whole: a timeout or a 503) and is divided by 10 by a
//! call that fully succeeds (below 1 it is 0). Before sending, the publisher
//! sleeps `min(max, initial · 2^(round(count) − 1))`, jittered by ±30 %,
//! when the rounded count is at least 1. Not modelled: a success arriving
//! during the sleep cuts it short (`abortBackoff`), and the back-off after
//! the sending threads' queue rejects a buffer.

use rand::RngExt;

use crate::rng::SimRng;
use crate::time::SimTime;

/// `DEFAULT_BACKOFF_FACTOR`, `DEFAULT_JITTER_PERCENT`, `DEFAULT_RECOVERY_FACTOR`.
const BACKOFF_FACTOR: f64 = 2.0;
const JITTER: f64 = 0.30;
const RECOVERY_FACTOR: f64 = 10.0;

/// One agent's publisher back-off.
#[derive(Clone, Debug)]
pub struct Throttle {
    initial: SimTime,
    max: SimTime,
    failures: f64,
    /// The publisher dispatches nothing before this (the end of its last
    /// sleep).
    paused_until: SimTime,
}

impl Throttle {
    /// A throttle backing off from `initial` up to `max`.
    pub fn new(initial: SimTime, max: SimTime) -> Self {
        Throttle { initial, max, failures: 0.0, paused_until: SimTime::ZERO }
    }

    /// When the publisher may dispatch again.
    pub fn paused_until(&self) -> SimTime {
        self.paused_until
    }

    /// Whether the publisher sleeps before its next dispatch.
    pub fn sleeps(&self) -> bool {
        self.failures.round() >= 1.0
    }

    /// A call of `sent` records was answered, `failed` of them failed
    /// (`whole`: the call itself failed): updates the failure count.
    pub fn answered(&mut self, sent: usize, failed: usize, whole: bool) {
        if whole {
            self.failures += 1.0;
        } else if failed > 0 {
            self.failures += failed as f64 / sent.max(1) as f64;
        } else {
            self.failures /= RECOVERY_FACTOR;
            if self.failures < 1.0 {
                self.failures = 0.0;
            }
        }
    }

    /// When a call ready at `ready` is dispatched: once the publisher is
    /// awake, after the sleep its failure count asks for (jitter drawn from
    /// `rng`); the next dispatch waits for this one.
    pub fn dispatch(&mut self, ready: SimTime, rng: &mut SimRng) -> SimTime {
        let start = ready.max(self.paused_until);
        if !self.sleeps() {
            return start;
        }
        let power = (self.failures.round() - 1.0).min(62.0);
        let delay_ms = (self.initial.as_millis_f64() * BACKOFF_FACTOR.powf(power)).min(self.max.as_millis_f64());
        let jittered = delay_ms * (1.0 + rng.random_range(-1.0..1.0) * JITTER);
        self.paused_until = start + SimTime::from_millis_f64(jittered.floor());
        self.paused_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn failures_double_the_sleep_and_successes_forgive_them_tenfold() {
        let mut rng = SimRng::seed_from_u64(3);
        let ms = |m: f64| SimTime::from_millis_f64(m);
        let mut t = Throttle::new(ms(100.0), ms(10_000.0));
        let at = SimTime::from_secs(1);
        // A 2 % partial failure rounds to no failure: no sleep.
        t.answered(500, 10, false);
        assert_eq!(t.dispatch(at, &mut rng), at);
        // Whole failures: 1, 2, 3 → sleeps of 100, 200, 400 ms, each ±30 %,
        // one after the other.
        let mut last = at;
        for (k, base) in [(1, 100.0), (2, 200.0), (3, 400.0)] {
            t.answered(500, 500, true);
            let next = t.dispatch(at, &mut rng);
            let slept = (next - last).as_millis_f64();
            assert!((base * 0.7..=base * 1.3).contains(&slept), "failure {k}: {slept} ms");
            last = next;
        }
        assert_eq!(t.paused_until(), last);
        // Capped at the maximum (±30 %).
        (0..20).for_each(|_| t.answered(500, 500, true));
        let slept = (t.dispatch(at, &mut rng) - last).as_millis_f64();
        assert!((7_000.0..=13_000.0).contains(&slept), "{slept} ms");
        // One success divides 24 failures by 10: still sleeping; two bring
        // the count below 1, to 0.
        t.answered(500, 0, false);
        assert!(t.sleeps());
        t.answered(500, 0, false);
        assert!(!t.sleeps());
    }
}
