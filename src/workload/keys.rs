//! Partition keys with a documented, stable spelling (so anyone can recompute
//! a record's shard outside shardsim): key k of a population is `key-{k}`,
//! record n of a `unique` producer is `{producer}-{n}`, `fixed` is the given
//! string, and `random_hash` sends an explicit hash key drawn uniformly over
//! the hash space with the one-byte partition key `a`.
//!
//! An `empirical` table's keys are spelled as the file has them, and the
//! traffic outside them (`other_share`) goes to `other-{k}`. A salted key
//! `K` becomes `K{separator}0` … `K{separator}{N-1}`, each with an N-th of
//! K's share, hashed as spelled.
//!
//! Key populations are hashed once, up front, into a table of (shard, key
//! bytes); drawing a key is then an index into that table. When the stream
//! can reshard, each key's hash is kept beside the table, so the table can
//! follow the map when shards split or merge, and a client holding a record
//! can route it again.

use std::borrow::Cow;
use std::fmt::Write as _;

use rand::{Rng, RngExt};

use crate::rng::SimRng;
use crate::scenario::model::{EmpiricalKeys, KeyDist, KeySalt, PartitionKeyOption, SaltedKeys};
use crate::stream::hash::{ShardMap, hash_key};
use crate::stream::limits::{self, MAX_RECORD_DATA_BYTES};

/// Partition key sent alongside an explicit hash key: the one byte the KPL
/// sends with its aggregated records.
pub const EXPLICIT_HASH_PARTITION_KEY: &str = crate::stream::limits::KPL_AGGREGATE_PARTITION_KEY;

/// [`KeyDraw::id`] of a key never drawn before or again (`unique` keys).
pub const KEY_ALWAYS_NEW: u32 = u32::MAX;

/// Where a drawn record goes and what its key adds to its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyDraw {
    /// Index of the shard the key hashes to.
    pub shard: u32,
    /// Which key of the producer's key space this is: equal ids are equal
    /// keys (the KPL stores each partition key once per aggregate), and
    /// [`KEY_ALWAYS_NEW`] is a key unlike any other.
    pub id: u32,
    /// Length of the partition key in bytes (counted against shard limits).
    pub key_bytes: u16,
    /// Length of the explicit hash key as a decimal string (0 when none is
    /// sent); every drawn explicit hash key is taken as distinct.
    pub explicit_hash_key_bytes: u8,
    /// Low byte of the key's hash (see `SizeTag`).
    pub tag: u8,
    /// The data bytes of the key's records when its table gives them (an
    /// empirical table's `bytes`); 0: drawn from `record_bytes`.
    pub data_bytes: u32,
}

/// The spelling of key `k` of a key population.
pub fn population_key(k: u64) -> String {
    format!("key-{k}")
}

/// A population key's routing in 4 bytes: key tables are read at random
/// once per record, so their size decides how much else stays in cache.
/// (This is why a run may create at most 65,536 shard ids; see
/// [`crate::stream::topology::MAX_SHARD_INDICES`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    shard: u16,
    /// The key's length, or [`LONG_KEY`] for a key of that many bytes or
    /// more (its length is then in the table's `long_keys`).
    key_bytes: u8,
    tag: u8,
}

/// `Entry::key_bytes` of a key too long for a byte.
const LONG_KEY: u8 = u8::MAX;

const _: () = assert!(crate::stream::topology::MAX_SHARD_INDICES <= u16::MAX as u32 + 1);

impl Entry {
    fn of(key: KeyDraw) -> Self {
        Entry { shard: key.shard as u16, key_bytes: key.key_bytes.min(LONG_KEY as u16) as u8, tag: key.tag }
    }

    #[inline]
    fn draw(self, id: u32) -> KeyDraw {
        KeyDraw {
            shard: self.shard as u32,
            id,
            key_bytes: self.key_bytes as u16,
            explicit_hash_key_bytes: 0,
            tag: self.tag,
            data_bytes: 0,
        }
    }
}

/// A producer group's key space, shared by its instances.
#[derive(Debug)]
pub enum KeySpace {
    /// A finite population of keys (uniform, zipf, hot, empirical, or any
    /// salted), pre-hashed, whose keys are shorter than [`LONG_KEY`] bytes
    /// and have no sizes of their own: the common case, drawn with no
    /// checks.
    Table(Table),
    /// Likewise, with long keys or sizes of its own.
    Detailed(Table),
    /// One key, given in the scenario (up to 256 characters), and its hash.
    Fixed(KeyDraw, u128),
    /// `{prefix}-{n}`, hashed per record.
    Unique { prefix: String },
    /// Hash keys uniform over the hash space: explicit hash keys sent with
    /// a `key_bytes` partition key when `explicit`, else random partition
    /// keys of `key_bytes` (the Kinesis Agent's).
    RandomHash { key_bytes: u16, explicit: bool },
}

/// How an index into a key table is drawn.
#[derive(Debug, Default)]
pub enum Sampler {
    /// Uniform over all entries.
    #[default]
    Uniform,
    /// Entry 0 with probability `share`, else uniform over the others.
    Hot { share: f64 },
    /// Any discrete distribution, O(1) per draw.
    Alias(AliasTable),
}

/// A pre-hashed key population.
#[derive(Debug, Default)]
pub struct Table {
    entries: Vec<Entry>,
    sampler: Sampler,
    /// Each key's hash key when the stream can reshard (else empty).
    hashes: Vec<u128>,
    /// Each key's data bytes when the table gives sizes (0: drawn from
    /// the producer's `record_bytes`); else empty.
    sizes: Vec<u32>,
    /// (index, length) of the keys of [`LONG_KEY`] bytes or more, by index.
    long_keys: Vec<(u32, u16)>,
    /// The keys salted, heaviest first.
    salted: Vec<SaltedKey>,
    /// (share of records with a size from `sizes`, their mean data bytes).
    sized: (f64, f64),
}

/// One key of a population before it is hashed: its spelling, weight,
/// data bytes (0: drawn) and hash key (`None`: its MD5).
struct Weighted<'a> {
    /// Borrowed from a key table, or spelled for a population.
    key: Cow<'a, str>,
    weight: f64,
    data_bytes: u32,
    hash: Option<u128>,
}

/// A salted key, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaltedKey {
    /// The key as the distribution spells it.
    pub key: String,
    /// How many suffixes it was given.
    pub suffixes: u32,
    /// How many distinct shards its salted keys hash to, at the start.
    pub shards_spanned: u32,
}

/// What decides which keys `salt.keys = "hot"` picks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HotRule {
    /// The group's peak rate.
    pub peak_records_per_s: f64,
    /// One shard's write limits.
    pub shard_records_per_s: f64,
    /// Likewise, bytes.
    pub shard_bytes_per_s: f64,
    /// The mean data bytes of a record whose key has no size of its own.
    pub mean_data_bytes: f64,
}

impl KeySpace {
    /// Builds the key space of `dist` for producer `producer_name`, routing
    /// through `map`; keeps each key's hash when `rerouted` (the stream can
    /// reshard).
    pub fn new(dist: &KeyDist, producer_name: &str, map: &ShardMap, rerouted: bool) -> Self {
        KeySpace::salted(dist, None, producer_name, map, rerouted)
    }

    /// [`KeySpace::new`], with `salt` applied (its `"hot"` keys picked by
    /// `salt.1`).
    pub fn salted(
        dist: &KeyDist,
        salt: Option<(&KeySalt, HotRule)>,
        producer_name: &str,
        map: &ShardMap,
        rerouted: bool,
    ) -> Self {
        let table = |keys: u32, sampler: Sampler| {
            let mut hashes = Vec::new();
            let entries = (0..keys as u64)
                .map(|k| {
                    let key = population_key(k);
                    let hash = hash_key(key.as_bytes());
                    if rerouted {
                        hashes.push(hash);
                    }
                    Entry::of(route_hash(hash, key.len(), map))
                })
                .collect();
            KeySpace::Table(Table { entries, sampler, hashes, ..Table::default() })
        };
        let unsalted = salt.is_none();
        match dist {
            KeyDist::Uniform { keys } if unsalted => table(*keys, Sampler::Uniform),
            KeyDist::Hot { keys, hot_share } if unsalted => table(*keys, Sampler::Hot { share: *hot_share }),
            KeyDist::Fixed { key } if unsalted => {
                let hash = hash_key(key.as_bytes());
                KeySpace::Fixed(route_hash(hash, key.len(), map), hash)
            }
            KeyDist::Unique => KeySpace::Unique { prefix: format!("{producer_name}-") },
            KeyDist::RandomHash => {
                KeySpace::RandomHash { key_bytes: EXPLICIT_HASH_PARTITION_KEY.len() as u16, explicit: true }
            }
            // Empirical and Zipf tables, and any salted population.
            _ => {
                let t = Table::build(weighted_keys(dist), salt, map, rerouted);
                match t.sizes.is_empty() && t.long_keys.is_empty() {
                    true => KeySpace::Table(t),
                    false => KeySpace::Detailed(t),
                }
            }
        }
    }

    /// The Kinesis Agent's key space: random keys, or with
    /// `deterministic` the population of `dist` (how often records repeat),
    /// each key an MD5 digest in hex (validation refuses populations
    /// without repeats).
    pub fn agent(option: PartitionKeyOption, dist: &KeyDist, map: &ShardMap, rerouted: bool) -> Self {
        let digest_bytes = limits::AGENT_DETERMINISTIC_KEY_BYTES;
        match option {
            PartitionKeyOption::Random => {
                KeySpace::RandomHash { key_bytes: limits::AGENT_RANDOM_KEY_BYTES, explicit: false }
            }
            PartitionKeyOption::Deterministic => {
                let mut space = KeySpace::new(dist, "", map, rerouted);
                match &mut space {
                    KeySpace::Table(t) | KeySpace::Detailed(t) => {
                        t.entries.iter_mut().for_each(|e| e.key_bytes = digest_bytes as u8);
                    }
                    KeySpace::Fixed(key, _) => key.key_bytes = digest_bytes,
                    KeySpace::Unique { .. } | KeySpace::RandomHash { .. } => {}
                }
                space
            }
        }
    }

    /// The keys salted (empty without salt).
    pub fn salted_keys(&self) -> &[SaltedKey] {
        match self {
            KeySpace::Table(t) | KeySpace::Detailed(t) => &t.salted,
            _ => &[],
        }
    }

    /// The mean data bytes of a record, when keys without a size of their
    /// own draw a mean of `drawn_mean`.
    pub fn mean_data_bytes(&self, drawn_mean: f64) -> f64 {
        match self {
            KeySpace::Table(Table { sized: (share, mean), .. })
            | KeySpace::Detailed(Table { sized: (share, mean), .. }) => share * mean + (1.0 - share) * drawn_mean,
            _ => drawn_mean,
        }
    }

    /// Draws the key of one record; `state` is the drawing instance's.
    #[inline]
    pub fn draw(&self, state: &mut KeyState, map: &ShardMap) -> KeyDraw {
        match self {
            KeySpace::Table(t) => t.draw(state),
            KeySpace::Detailed(t) => {
                let mut key = t.draw(state);
                key.data_bytes = t.sizes.get(key.id as usize).copied().unwrap_or(0);
                if key.key_bytes == LONG_KEY as u16 {
                    key.key_bytes = t.long_key_bytes(key.id);
                }
                key
            }
            KeySpace::Fixed(key, _) => *key,
            KeySpace::Unique { prefix } => {
                state.buf.clear();
                state.buf.push_str(prefix);
                // Writing to a String cannot fail.
                let _ = write!(state.buf, "{}", state.next_unique);
                state.next_unique += state.unique_step;
                state.last_hash = hash_key(state.buf.as_bytes());
                KeyDraw { id: KEY_ALWAYS_NEW, ..route_hash(state.last_hash, state.buf.len(), map) }
            }
            KeySpace::RandomHash { key_bytes, explicit } => {
                let hash = ((state.rng.next_u64() as u128) << 64) | state.rng.next_u64() as u128;
                state.last_hash = hash;
                KeyDraw {
                    shard: map.shard_of(hash),
                    id: 0,
                    key_bytes: *key_bytes,
                    explicit_hash_key_bytes: if *explicit { decimal_digits(hash) } else { 0 },
                    tag: hash as u8,
                    data_bytes: 0,
                }
            }
        }
    }

    /// The hash key of `key`, the key `state` drew last; only for key
    /// spaces built with `rerouted`.
    #[inline]
    pub fn hash_of(&self, key: &KeyDraw, state: &KeyState) -> u128 {
        match self {
            KeySpace::Table(t) | KeySpace::Detailed(t) => t.hashes[key.id as usize],
            KeySpace::Fixed(_, hash) => *hash,
            KeySpace::Unique { .. } | KeySpace::RandomHash { .. } => state.last_hash,
        }
    }

    /// Routes again, through `map`, the keys that routed to one of the
    /// `closed` shards (a resharding step's parents).
    pub fn reroute(&mut self, map: &ShardMap, closed: &[u32]) {
        match self {
            KeySpace::Table(t) | KeySpace::Detailed(t) => {
                for (e, hash) in t.entries.iter_mut().zip(t.hashes.iter()) {
                    if closed.contains(&(e.shard as u32)) {
                        e.shard = map.shard_of(*hash) as u16;
                    }
                }
                if let Sampler::Alias(a) = &mut t.sampler {
                    a.refresh(&t.entries);
                }
            }
            KeySpace::Fixed(key, hash) => key.shard = map.shard_of(*hash),
            // Drawn per record through the current map.
            KeySpace::Unique { .. } | KeySpace::RandomHash { .. } => {}
        }
    }
}

/// The keys of a finite `dist` with their weights.
fn weighted_keys(dist: &KeyDist) -> Vec<Weighted<'_>> {
    let population = |weights: &mut dyn Iterator<Item = f64>| -> Vec<Weighted<'_>> {
        weights
            .enumerate()
            .map(|(k, weight)| Weighted { key: population_key(k as u64).into(), weight, data_bytes: 0, hash: None })
            .collect()
    };
    match dist {
        KeyDist::Empirical(e) => empirical_keys(e),
        KeyDist::Zipf { keys, exponent } => population(&mut (0..*keys).map(|k| (k as f64 + 1.0).powf(-exponent))),
        KeyDist::Uniform { keys } => population(&mut (0..*keys).map(|_| 1.0)),
        KeyDist::Hot { keys, hot_share } => {
            let cold = (1.0 - hot_share) / (*keys as f64 - 1.0).max(1.0);
            population(&mut (0..*keys).map(|k| if k == 0 { *hot_share } else { cold }))
        }
        KeyDist::Fixed { key } => vec![Weighted { key: key.as_str().into(), weight: 1.0, data_bytes: 0, hash: None }],
        // Drawn per record, never as a table (`KeySpace::salted` matches them first).
        KeyDist::Unique | KeyDist::RandomHash => Vec::new(),
    }
}

/// An empirical table's keys in file order, then `other-0` … .
fn empirical_keys(e: &EmpiricalKeys) -> Vec<Weighted<'_>> {
    let total: f64 = e.table.keys.iter().map(|k| k.count).sum();
    let listed = e.table.keys.iter().filter(|k| k.count > 0.0).map(|k| {
        let data_bytes = match k.bytes {
            Some(b) => (b / k.count).round().clamp(1.0, MAX_RECORD_DATA_BYTES as f64) as u32,
            None => 0,
        };
        Weighted {
            key: k.key.as_str().into(),
            weight: (1.0 - e.other_share) * k.count / total,
            data_bytes,
            hash: k.hash_key,
        }
    });
    let others = (0..e.other_keys).filter(|_| e.other_share > 0.0).map(|k| Weighted {
        key: other_key(k).into(),
        weight: e.other_share / e.other_keys as f64,
        data_bytes: 0,
        hash: None,
    });
    listed.chain(others).collect()
}

/// The spelling of synthetic key `k` of an empirical table's other share.
pub fn other_key(k: u32) -> String {
    format!("other-{k}")
}

impl Table {
    /// Hashes `keys` (salting those `salt` picks) and builds their sampler.
    fn build(keys: Vec<Weighted<'_>>, salt: Option<(&KeySalt, HotRule)>, map: &ShardMap, rerouted: bool) -> Table {
        let total: f64 = keys.iter().map(|k| k.weight).sum();
        let picks = |k: &Weighted| -> bool {
            let Some((salt, rule)) = salt else { return false };
            match &salt.keys {
                SaltedKeys::All => true,
                SaltedKeys::Listed(list) => list.iter().any(|l| *l == k.key),
                SaltedKeys::Hot => {
                    let rate = k.weight / total * rule.peak_records_per_s;
                    let data = if k.data_bytes > 0 { k.data_bytes as f64 } else { rule.mean_data_bytes };
                    let bytes = rate * (data + k.key.len() as f64);
                    rate > salt.hot_above * rule.shard_records_per_s || bytes > salt.hot_above * rule.shard_bytes_per_s
                }
            }
        };
        let mut t = Table::default();
        let mut weights = Vec::with_capacity(keys.len());
        let (mut sized_weight, mut sized_bytes) = (0.0, 0.0);
        let mut push = |t: &mut Table, key: &str, hash: u128, weight: f64, data_bytes: u32| {
            let i = t.entries.len() as u32;
            t.entries.push(Entry::of(route_hash(hash, key.len(), map)));
            if key.len() >= LONG_KEY as usize {
                t.long_keys.push((i, key.len() as u16));
            }
            if rerouted {
                t.hashes.push(hash);
            }
            t.sizes.push(data_bytes);
            if data_bytes > 0 {
                sized_weight += weight;
                sized_bytes += weight * data_bytes as f64;
            }
            weights.push(weight);
        };
        let mut salted = Vec::new();
        for k in &keys {
            match salt.filter(|_| picks(k)) {
                Some((salt, _)) => {
                    let mut shards = Vec::with_capacity(salt.suffixes as usize);
                    for j in 0..salt.suffixes {
                        let spelled = format!("{}{}{j}", k.key, salt.separator);
                        let hash = hash_key(spelled.as_bytes());
                        shards.push(map.shard_of(hash));
                        push(&mut t, &spelled, hash, k.weight / salt.suffixes as f64, k.data_bytes);
                    }
                    shards.sort_unstable();
                    shards.dedup();
                    salted.push((
                        k.weight,
                        SaltedKey {
                            key: k.key.to_string(),
                            suffixes: salt.suffixes,
                            shards_spanned: shards.len() as u32,
                        },
                    ));
                }
                None => {
                    push(&mut t, &k.key, k.hash.unwrap_or_else(|| hash_key(k.key.as_bytes())), k.weight, k.data_bytes)
                }
            }
        }
        if !t.sizes.iter().any(|&b| b > 0) {
            t.sizes = Vec::new();
        }
        let all_weight: f64 = weights.iter().sum();
        if sized_weight > 0.0 {
            t.sized = (sized_weight / all_weight, sized_bytes / sized_weight);
        }
        // Heaviest first; the sort is stable, so ties keep table order.
        salted.sort_by(|a, b| b.0.total_cmp(&a.0));
        t.salted = salted.into_iter().map(|(_, k)| k).collect();
        let even = weights.windows(2).all(|w| w[0] == w[1]);
        t.sampler = if even { Sampler::Uniform } else { Sampler::Alias(AliasTable::new(&weights, &t.entries)) };
        t
    }

    /// One key of the table (an alias table holds its entries in its
    /// cells).
    // Always: drawn from two arms of `KeySpace::draw`, and a call per
    // record costs more than the code it would save.
    #[inline(always)]
    fn draw(&self, state: &mut KeyState) -> KeyDraw {
        let n = self.entries.len();
        let (i, entry) = match &self.sampler {
            Sampler::Uniform => {
                let i = state.rng.random_range(0..n);
                (i as u32, self.entries[i])
            }
            Sampler::Hot { share } => {
                let i = if n == 1 || state.rng.random::<f64>() < *share { 0 } else { state.rng.random_range(1..n) };
                (i as u32, self.entries[i])
            }
            Sampler::Alias(a) => a.draw(state),
        };
        entry.draw(i)
    }

    /// The length of long key `i`.
    #[cold]
    fn long_key_bytes(&self, i: u32) -> u16 {
        match self.long_keys.binary_search_by_key(&i, |&(k, _)| k) {
            Ok(at) => self.long_keys[at].1,
            Err(_) => LONG_KEY as u16,
        }
    }
}

fn route_hash(hash: u128, key_bytes: usize, map: &ShardMap) -> KeyDraw {
    // Keys are at most 256 characters of up to 4 bytes each.
    KeyDraw {
        shard: map.shard_of(hash),
        id: 0,
        key_bytes: key_bytes as u16,
        explicit_hash_key_bytes: 0,
        tag: hash as u8,
        data_bytes: 0,
    }
}

/// Length of `n` written in decimal (1 to 39 digits).
fn decimal_digits(n: u128) -> u8 {
    n.checked_ilog10().map_or(1, |d| d as u8 + 1)
}

/// Per-instance key drawing state.
#[derive(Debug)]
pub struct KeyState {
    rng: SimRng,
    /// Alias-table draws made ahead of use, oldest at `ahead_at`.
    ahead: [(u32, u32); AHEAD],
    ahead_at: usize,
    ahead_ready: bool,
    /// Next `n` for `unique` keys: instance i of I uses i, i+I, i+2I, …
    next_unique: u64,
    unique_step: u64,
    buf: String,
    /// The hash key of the last `unique` or `random_hash` key drawn.
    last_hash: u128,
}

impl KeyState {
    /// State for instance `index` of `instances`.
    pub fn new(rng: SimRng, index: u32, instances: u32) -> Self {
        KeyState {
            rng,
            ahead: [(0, 0); AHEAD],
            ahead_at: 0,
            ahead_ready: false,
            next_unique: index as u64,
            unique_step: instances as u64,
            buf: String::new(),
            last_hash: 0,
        }
    }
}

/// Draws a key table index with probability `w[i] / Σw` (Walker/Vose),
/// laid out for one memory access per draw: cell `i` holds its threshold,
/// its alias, and both candidates' entries. A large table (an empirical
/// one of a million keys is 16 MB) is read at random once per record, so
/// each instance draws [`AHEAD`] cells ahead of use and asks for them to be
/// cached; the draws and their order are the same as without.
#[derive(Debug)]
pub struct AliasTable {
    cells: Vec<AliasCell>,
}

/// One alias-table cell: `own` with probability `threshold / 2^32`, else
/// `alias` (whose entry is `other`).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
struct AliasCell {
    threshold: u32,
    alias: u32,
    own: Entry,
    other: Entry,
}

/// Bytes of one alias-table cell.
pub const ALIAS_CELL_BYTES: usize = std::mem::size_of::<AliasCell>();

/// How many draws an instance makes ahead of use (enough to cover a miss
/// to memory at tens of nanoseconds a record).
pub const AHEAD: usize = 8;

impl AliasTable {
    /// Builds the table for non-negative `weights` with a positive sum,
    /// one per entry of `entries`.
    fn new(weights: &[f64], entries: &[Entry]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| prob[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s] = l as u32;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are 1 up to rounding error; their alias is themselves.
        for i in small.into_iter().chain(large) {
            prob[i] = 1.0;
        }
        let cells = (0..n)
            .map(|i| AliasCell {
                threshold: (prob[i] * 4_294_967_296.0).min(u32::MAX as f64) as u32,
                alias: alias[i],
                own: entries[i],
                other: entries[alias[i] as usize],
            })
            .collect();
        AliasTable { cells }
    }

    /// Copies the entries again after some were rerouted.
    fn refresh(&mut self, entries: &[Entry]) {
        for (i, c) in self.cells.iter_mut().enumerate() {
            c.own = entries[i];
            c.other = entries[c.alias as usize];
        }
    }

    /// A cell index and a coin, drawn from `rng`; the cell is asked for.
    #[inline(always)]
    fn pick(&self, rng: &mut SimRng) -> (u32, u32) {
        let i = rng.random_range(0..self.cells.len() as u32);
        crate::cpu::prefetch(&self.cells[i as usize]);
        (i, rng.next_u32())
    }

    /// The next draw of `state`: its index and entry.
    #[inline(always)]
    fn draw(&self, state: &mut KeyState) -> (u32, Entry) {
        if !state.ahead_ready {
            for k in 0..AHEAD {
                state.ahead[k] = self.pick(&mut state.rng);
            }
            state.ahead_ready = true;
        }
        let (i, coin) = state.ahead[state.ahead_at];
        state.ahead[state.ahead_at] = self.pick(&mut state.rng);
        state.ahead_at = (state.ahead_at + 1) % AHEAD;
        let c = &self.cells[i as usize];
        if coin < c.threshold { (i, c.own) } else { (c.alias, c.other) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamId, rng_for};
    use crate::stream::hash::initial_ranges;

    /// `key`'s draw, routed through `map`.
    fn route(key: &str, map: &ShardMap) -> KeyDraw {
        route_hash(hash_key(key.as_bytes()), key.len(), map)
    }

    fn state() -> KeyState {
        KeyState::new(rng_for(5, StreamId { replication: 0, producer: 0, instance: 0, purpose: Purpose::Keys }), 0, 1)
    }

    #[test]
    fn alias_table_matches_zipf_probabilities() {
        let w: Vec<f64> = (0..5).map(|k| 1.0 / (k as f64 + 1.0)).collect();
        let total: f64 = w.iter().sum();
        let map = ShardMap::new(&initial_ranges(3));
        let space = KeySpace::new(&KeyDist::Zipf { keys: 5, exponent: 1.0 }, "p", &map, false);
        let mut st = state();
        let mut counts = [0u32; 5];
        let n = 500_000;
        for _ in 0..n {
            let key = space.draw(&mut st, &map);
            // Each index comes with its own key's routing.
            assert_eq!(key, KeyDraw { id: key.id, ..route(&population_key(key.id as u64), &map) });
            counts[key.id as usize] += 1;
        }
        for k in 0..5 {
            let p = w[k] / total;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!((counts[k] as f64 / n as f64 - p).abs() < 5.0 * sd, "key {k}");
        }
    }

    #[test]
    fn unique_keys_follow_the_documented_spelling() {
        let map = ShardMap::new(&initial_ranges(4));
        let space = KeySpace::new(&KeyDist::Unique, "orders", &map, false);
        let mut st = state();
        let first = space.draw(&mut st, &map);
        let second = space.draw(&mut st, &map);
        assert_eq!(first, KeyDraw { id: KEY_ALWAYS_NEW, ..route("orders-0", &map) });
        assert_eq!(second, KeyDraw { id: KEY_ALWAYS_NEW, ..route("orders-1", &map) });
        assert_eq!(first.key_bytes, 8);
    }

    #[test]
    fn table_entries_are_4_bytes_and_a_fixed_key_keeps_its_full_length() {
        assert_eq!(std::mem::size_of::<Entry>(), 4);
        // One cache line holds four alias cells.
        assert_eq!(ALIAS_CELL_BYTES, 16);
        let map = ShardMap::new(&initial_ranges(3));
        let space = KeySpace::new(&KeyDist::Uniform { keys: 1_000 }, "p", &map, false);
        let KeySpace::Table(Table { entries, .. }) = &space else { panic!("table expected") };
        assert_eq!(entries[999].draw(999), KeyDraw { id: 999, ..route("key-999", &map) });
        // 256 four-byte characters: the longest key AWS accepts.
        let key = "\u{1F600}".repeat(256);
        let space = KeySpace::new(&KeyDist::Fixed { key: key.clone() }, "p", &map, false);
        let drawn = space.draw(&mut state(), &map);
        assert_eq!((drawn.key_bytes, drawn), (1_024, route(&key, &map)));
    }

    #[test]
    fn explicit_hash_keys_are_measured_in_decimal_digits() {
        assert_eq!(decimal_digits(0), 1);
        assert_eq!(decimal_digits(9), 1);
        assert_eq!(decimal_digits(10), 2);
        // 2^128 − 1 = 340282366920938463463374607431768211455.
        assert_eq!(decimal_digits(u128::MAX), 39);
        assert_eq!(decimal_digits(10u128.pow(38) - 1), 38);
        let map = ShardMap::new(&initial_ranges(2));
        let drawn = KeySpace::new(&KeyDist::RandomHash, "p", &map, false).draw(&mut state(), &map);
        assert!((1..=39).contains(&drawn.explicit_hash_key_bytes) && drawn.key_bytes == 1);
    }

    fn salt(keys: SaltedKeys, suffixes: u32) -> KeySalt {
        KeySalt { keys, suffixes, separator: "#".into(), hot_above: 0.5 }
    }

    const RULE: HotRule = HotRule {
        peak_records_per_s: 3_000.0,
        shard_records_per_s: 1_000.0,
        shard_bytes_per_s: 1_048_576.0,
        mean_data_bytes: 600.0,
    };

    #[test]
    fn a_salted_key_spreads_over_the_shards_its_salted_keys_hash_to() {
        // traffic-import.md §5, checked in Python: `hot-key#0` … `#7` on an
        // even 4-shard stream land on shards 2,3,2,3,3,1,3,3.
        let map = ShardMap::new(&initial_ranges(4));
        let dist = KeyDist::Fixed { key: "hot-key".into() };
        let s = salt(SaltedKeys::All, 8);
        let space = KeySpace::salted(&dist, Some((&s, RULE)), "p", &map, false);
        assert_eq!(space.salted_keys(), &[SaltedKey { key: "hot-key".into(), suffixes: 8, shards_spanned: 3 }]);
        let mut st = state();
        let mut counts = [0u32; 4];
        for _ in 0..80_000 {
            let k = space.draw(&mut st, &map);
            counts[k.shard as usize] += 1;
            assert_eq!(k.key_bytes, "hot-key#0".len() as u16);
        }
        // 2/8, 1/8 and 5/8 of the records; shard 0 gets none. sd ≤ 0.0018.
        assert_eq!(counts[0], 0);
        for (shard, share) in [(1, 0.125), (2, 0.25), (3, 0.625)] {
            assert!((counts[shard] as f64 / 80_000.0 - share).abs() < 0.01, "shard {shard}: {counts:?}");
        }
    }

    #[test]
    fn hot_salting_picks_only_keys_that_would_fill_half_a_shard() {
        let map = ShardMap::new(&initial_ranges(8));
        // key-0 carries 45 % of 3,000 records/s = 1,350/s; the others
        // 0.33/s each.
        let dist = KeyDist::Hot { keys: 5_000, hot_share: 0.45 };
        let space = KeySpace::salted(&dist, Some((&salt(SaltedKeys::Hot, 8), RULE)), "p", &map, true);
        let salted = space.salted_keys();
        assert_eq!(salted.len(), 1);
        assert_eq!(salted[0].key, "key-0");
        let KeySpace::Table(t) = &space else { panic!("table expected") };
        assert_eq!(t.entries.len(), 4_999 + 8);
        // Salting changes nothing else: key-1 keeps its hash.
        assert_eq!(t.hashes[8], hash_key(b"key-1"));
    }

    #[test]
    fn empirical_tables_weigh_keys_by_count_and_keep_their_sizes() {
        use crate::import::keys::{KeyCount, KeyTable};
        use crate::scenario::model::{EmpiricalKeys, FileRef};
        let long = "k".repeat(300);
        let keys = vec![
            KeyCount { key: "tenant-7".into(), count: 40.0, bytes: Some(40.0 * 2_000.0), hash_key: None },
            KeyCount { key: "tenant-9".into(), count: 60.0, bytes: None, hash_key: None },
            KeyCount { key: long.clone(), count: 0.0, bytes: None, hash_key: None },
        ];
        let dist = KeyDist::Empirical(EmpiricalKeys {
            file: FileRef { path: "k.csv".into(), from_command_line: false },
            table: std::sync::Arc::new(KeyTable { keys }),
            other_share: 0.5,
            other_keys: 10,
        });
        let map = ShardMap::new(&initial_ranges(5));
        let space = KeySpace::new(&dist, "p", &map, false);
        let mut st = state();
        let (mut seven, mut others, n) = (0, 0, 100_000);
        for _ in 0..n {
            let k = space.draw(&mut st, &map);
            if k.id == 0 {
                seven += 1;
                assert_eq!(k, KeyDraw { id: 0, data_bytes: 2_000, ..route("tenant-7", &map) });
            } else {
                assert_eq!(k.data_bytes, 0);
            }
            if k.id >= 2 {
                others += 1;
            }
        }
        // tenant-7: 0.5 × 0.4 = 0.2; other-*: 0.5 (sd ≤ 0.0016).
        assert!((seven as f64 / n as f64 - 0.2).abs() < 0.008, "{seven}");
        assert!((others as f64 / n as f64 - 0.5).abs() < 0.008, "{others}");
        assert!((space.mean_data_bytes(500.0) - (0.2 * 2_000.0 + 0.8 * 500.0)).abs() < 1e-9);
        // A key of 300 bytes keeps its length though a table entry holds
        // one byte of it.
        let only_long = KeyDist::Fixed { key: long.clone() };
        let space = KeySpace::salted(&only_long, Some((&salt(SaltedKeys::All, 2), RULE)), "p", &map, false);
        assert_eq!(space.draw(&mut st, &map).key_bytes, 302);
    }

    #[test]
    fn hot_share_goes_to_key_zero() {
        let map = ShardMap::new(&initial_ranges(1));
        let space = KeySpace::new(&KeyDist::Hot { keys: 100, hot_share: 0.3 }, "p", &map, false);
        let mut st = state();
        let hits = (0..100_000).filter(|_| space.draw(&mut st, &map).id == 0).count();
        // Key 0 also gets none of the uniform rest; 0.3 ± 5 sd (sd ≈ 0.00145).
        assert!((hits as f64 / 100_000.0 - 0.3).abs() < 0.0075, "{hits}");
    }
}
