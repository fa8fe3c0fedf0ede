//! Enhanced fan-out reads: a SubscribeToShard subscription pushing a
//! shard's records to one registered consumer, with its own 2 MiB/s per
//! shard whatever the number of consumers (reference §4).
//!
//! AWS documents a typical delay of 70 ms from put to delivery (§3.2, §4)
//! but not how events are spaced. shardsim pushes an event every
//! `EFO_PUSH_INTERVAL_MS` carrying the records accepted at least
//! `EFO_PROPAGATION_MS` before, so a record waits 45–95 ms, 70 ms on
//! average. A subscription lives 5 minutes (§4); renewing it costs one API
//! call's latency, during which nothing is pushed. A consumer that has not
//! finished processing the last event gets the next one only when it has
//! (HTTP/2 flow control), so a slow consumer falls behind instead of
//! buffering without bound.
//!
//! A `[[faults]]` read failure ends a subscription with an error at the
//! push it falls on: nothing is pushed, and the consumer subscribes again
//! at its next push (shardsim's choice; the KCL restarts a failed
//! subscription, and AWS documents no delay before it does).

use crate::consumer::polling::call_latency;
use crate::consumer::{Scan, scan};
use crate::stream::limits::{EFO_READ_BYTES_PER_S, EFO_SUBSCRIPTION_S};
use crate::stream::log::{Chunk, ShardLog};
use crate::stream::read::ByteBucket;
use crate::time::SimTime;

/// Least time from acceptance to a push (modelling choice making AWS's
/// ~70 ms average with `EFO_PUSH_INTERVAL_MS`).
pub const EFO_PROPAGATION_MS: f64 = 45.0;
/// Spacing of pushed events while records flow (modelling choice).
pub const EFO_PUSH_INTERVAL_MS: f64 = 50.0;

/// The push interval as a simulated time.
pub fn push_interval() -> SimTime {
    SimTime::from_millis_f64(EFO_PUSH_INTERVAL_MS)
}

/// What one push event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Push {
    /// The subscription was (re)established; pushes resume at the time.
    Subscribed(SimTime),
    /// Records pushed.
    Delivered(Scan),
    /// The subscription ended with an error; the next push at the time
    /// subscribes again.
    Failed(SimTime),
}

/// One consumer's subscription to one shard.
#[derive(Clone, Debug)]
pub struct Subscription {
    bytes: ByteBucket,
    renew_at: SimTime,
}

impl Default for Subscription {
    fn default() -> Self {
        Subscription { bytes: ByteBucket::new(EFO_READ_BYTES_PER_S), renew_at: SimTime::ZERO }
    }
}

impl Subscription {
    /// The push due at `now` from sequence number `from`, its records
    /// passed to `each` a run at a time; subscribes first when the
    /// subscription expired (or never existed). When `fails`, a live
    /// subscription ends with an error instead.
    pub fn push(&mut self, log: &ShardLog, from: u64, now: SimTime, fails: bool, each: impl FnMut(Chunk<'_>)) -> Push {
        if now >= self.renew_at {
            self.renew_at = now + SimTime::from_secs(EFO_SUBSCRIPTION_S);
            return Push::Subscribed(now + call_latency());
        }
        if fails {
            self.renew_at = now;
            return Push::Failed(now + push_interval());
        }
        let budget = self.bytes.available(now).max(0) as u64;
        let propagation = SimTime::from_millis_f64(EFO_PROPAGATION_MS);
        let s = scan(log, from, now, propagation, u64::MAX, budget, each);
        self.bytes.take(s.bytes);
        Push::Delivered(s)
    }

    /// When the next push after `s` at `now` can come: the push interval,
    /// or later when the bytes budget must refill first.
    pub fn next_push(&self, now: SimTime, s: &Scan) -> SimTime {
        let refill = s.blocked_by.map_or(SimTime::ZERO, |b| self.bytes.wait_for(b as u64));
        now + push_interval().max(refill)
    }
}
