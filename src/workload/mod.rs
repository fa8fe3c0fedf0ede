//! What producers generate: arrival times, record sizes and partition keys,
//! each drawn from its own random stream. Pure generators; they know nothing
//! of batching, shards' limits or retries.

pub mod arrival;
pub mod keys;
pub mod pattern;
pub mod size;
pub mod trace;
