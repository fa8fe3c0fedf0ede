//! Seed derivation: one master seed, one independent ChaCha8 stream per
//! (replication, component). Components are named, so adding a new random
//! consumer never shifts the draws of an existing one, and the same
//! replication index gives the same workload draws in every sweep point
//! (common random numbers).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The portable PRNG every simulated component draws from.
pub type SimRng = ChaCha8Rng;

/// What a random stream is used for; part of the stream's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Inter-arrival times and rate-pattern thinning.
    Arrivals = 1,
    /// Partition keys and explicit hash keys.
    Keys = 2,
    /// Record sizes.
    Sizes = 3,
    /// Retry back-off jitter.
    Backoff = 4,
    /// When a consumer's first read of a shard happens.
    ConsumerStart = 5,
    /// Where each period's burst falls in a replayed trace.
    Bursts = 6,
    /// Put request round trips.
    Requests = 7,
    /// `[[faults]]` draws: which records, calls and reads fail.
    Faults = 8,
    /// Where in its cycle a staggered agent's first buffer closes.
    Phase = 9,
}

/// Identifies one random stream inside one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamId {
    /// Replication index (0 for a single run).
    pub replication: u32,
    /// Producer group (or, for consumer purposes, consumer) index in the
    /// scenario.
    pub producer: u32,
    /// Client instance within the group (0 for consumers).
    pub instance: u32,
    /// What the draws are for.
    pub purpose: Purpose,
}

/// SplitMix64 finaliser: a bijective mix, so distinct inputs give distinct
/// stream numbers and neighbouring inputs give unrelated ones.
const fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG for one component of one run.
pub fn rng_for(master_seed: u64, id: StreamId) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(master_seed);
    let mut s = splitmix64(id.replication as u64);
    s = splitmix64(s ^ id.producer as u64);
    s = splitmix64(s ^ id.instance as u64);
    s = splitmix64(s ^ id.purpose as u64);
    rng.set_stream(s);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn id(producer: u32, purpose: Purpose) -> StreamId {
        StreamId { replication: 0, producer, instance: 0, purpose }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a1 = rng_for(42, id(0, Purpose::Arrivals)).next_u64();
        let a2 = rng_for(42, id(0, Purpose::Arrivals)).next_u64();
        let b = rng_for(42, id(0, Purpose::Keys)).next_u64();
        let c = rng_for(42, id(1, Purpose::Arrivals)).next_u64();
        let d = rng_for(43, id(0, Purpose::Arrivals)).next_u64();
        assert_eq!(a1, a2);
        assert!(a1 != b && a1 != c && a1 != d && b != c);
    }
}
