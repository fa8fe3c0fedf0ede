//! Producer clients: how user records become put calls. `sdk` is an
//! application calling PutRecord/PutRecords directly, with its own batching
//! and retry loop; `kpl` is the Kinesis Producer Library, which aggregates,
//! collects, rate-limits and retries on its own; the Kinesis Agent is the
//! SDK client with the agent's buffers and its publisher's back-off
//! (`agent`). All send their requests through `request`: a round trip, a
//! few slots, a timeout.

pub mod agent;
pub mod feed;
pub mod kpl;
pub mod kpl_map;
pub mod request;
pub mod sdk;

use crate::rng::SimRng;
use crate::stream::hash::ShardMap;
use crate::stream::limits::MAX_RECORD_DATA_BYTES;
use crate::stream::log::SizeTag;
use crate::time::SimTime;
use crate::workload::arrival::ArrivalGen;
use crate::workload::keys::{KeyDraw, KeySpace, KeyState};
use crate::workload::size::SizeGen;
use crate::workload::trace::StepCursor;

/// The random sources and generators of one client instance.
#[derive(Debug)]
pub struct InstanceSources {
    /// Arrival instants.
    pub arrivals: ArrivalGen,
    /// Partition-key state.
    pub keys: KeyState,
    /// Data-size generator and its RNG.
    pub sizes: (SizeGen, SimRng),
    /// A replayed trace's record-size factor, when it gives bytes.
    pub size_scale: Option<StepCursor>,
}

impl InstanceSources {
    /// The next user record to arrive: when, its key, and its data bytes;
    /// `None` past the horizon.
    #[inline]
    pub fn draw(&mut self, space: &KeySpace, map: &ShardMap) -> Option<(SimTime, KeyDraw, u32)> {
        let created = self.arrivals.next_arrival()?;
        let key = space.draw(&mut self.keys, map);
        let mut data = match key.data_bytes {
            0 => self.sizes.0.draw(&mut self.sizes.1),
            bytes => bytes,
        };
        if let Some(scale) = &mut self.size_scale {
            data = scaled_size(data, scale.at(created).value);
        }
        Some((created, key, data))
    }
}

/// `bytes × factor`, rounded, within the record size limit.
#[inline]
fn scaled_size(bytes: u32, factor: f64) -> u32 {
    (bytes as f64 * factor + 0.5).clamp(1.0, MAX_RECORD_DATA_BYTES as f64) as u32
}

/// A user record in flight, as small as the hot path needs it (16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rec {
    /// When the application handed it to the client.
    pub created: SimTime,
    /// The shard its key routes to.
    pub shard: u32,
    /// Data plus partition key bytes (what the shard limit counts), and the
    /// key's tag.
    pub size: SizeTag,
}

impl Rec {
    /// Data plus partition key bytes.
    #[inline]
    pub fn bytes(&self) -> u32 {
        self.size.bytes()
    }
}

/// Records sent together in one call.
#[derive(Debug, Default)]
pub struct Batch {
    /// Index of the client instance that owns the records.
    pub instance: u32,
    /// 1 for the first try, 2 for the first retry, …
    pub attempt: u32,
    /// The records, in send order.
    pub records: Vec<Rec>,
    /// Their hash keys, when kept (see `SdkInstance`); else empty.
    pub hashes: Vec<u128>,
    /// Whether each record is already stored (an earlier attempt timed out
    /// on the client after the shard accepted it), aligned with `records`;
    /// empty when none is.
    pub copies: Vec<bool>,
}

impl Batch {
    /// Records not yet stored: those that count as in flight.
    pub fn unstored(&self) -> u64 {
        (self.records.len() - self.copies.iter().filter(|c| **c).count()) as u64
    }
}

/// Vectors smaller than this are not kept for reuse.
const POOLED_MIN_RECORDS: usize = 64;

/// Recycles record vectors so steady-state batching does not allocate.
#[derive(Debug, Default)]
pub struct VecPool {
    free: Vec<Vec<Rec>>,
}

impl VecPool {
    /// An empty vector, reused when one is available.
    pub fn take(&mut self) -> Vec<Rec> {
        self.free.pop().unwrap_or_default()
    }

    /// Returns a vector for reuse, if it is large enough to be worth
    /// keeping (retries hold small copies; see `Sim::put`).
    pub fn give(&mut self, mut v: Vec<Rec>) {
        if v.capacity() >= POOLED_MIN_RECORDS {
            v.clear();
            self.free.push(v);
        }
    }

    /// Takes every kept vector (to hand them to another pool).
    pub fn take_all(&mut self) -> Vec<Vec<Rec>> {
        std::mem::take(&mut self.free)
    }

    /// Keeps `vs`, vectors another pool took (already empty and large).
    pub fn keep(&mut self, vs: impl IntoIterator<Item = Vec<Rec>>) {
        self.free.extend(vs);
    }
}
