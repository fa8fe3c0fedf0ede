//! Shard ids. A new stream's shard `i` is `shardId-{i:012}`. A stream
//! imported from `list-shards` keeps AWS's ids for its first shards (index
//! = position by starting hash key), and every shard a resharding creates
//! takes the next number after the highest imported one, as AWS numbers
//! new shards (scaling-facts §3).

use std::sync::Arc;

/// Index → id, for one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardNames {
    /// The imported shards' ids, by index (empty for a new stream).
    given: Arc<[String]>,
    /// The number of the first shard created after them.
    next_number: u64,
}

/// The number in `shardId-000000000047`, if the id is spelled so.
pub fn shard_number(id: &str) -> Option<u64> {
    let digits = id.strip_prefix("shardId-")?;
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok())?
}

impl ShardNames {
    /// A new stream's ids.
    pub fn new_stream() -> Self {
        ShardNames::default()
    }

    /// The ids of imported shards, by index; later shards are numbered on
    /// from the highest of them (or from their count when none is spelled
    /// `shardId-` and 12 digits).
    pub fn imported(ids: Vec<String>) -> Self {
        let next_number = ids.iter().filter_map(|id| shard_number(id)).max().map_or(ids.len() as u64, |n| n + 1);
        ShardNames { given: ids.into(), next_number }
    }

    /// The id of shard `index`.
    pub fn id(&self, index: u32) -> String {
        match self.given.get(index as usize) {
            Some(id) => id.clone(),
            None => {
                let n = self.next_number + u64::from(index) - self.given.len() as u64;
                format!("shardId-{n:012}")
            }
        }
    }

    /// The index of the shard numbered `number` (`shardId-` and 12
    /// digits), whether it exists yet or not; `None` for a number below the
    /// imported ones' that none of them has.
    pub fn index_of_number(&self, number: u64) -> Option<u32> {
        if self.given.is_empty() {
            return u32::try_from(number).ok();
        }
        if let Some(i) = self.given.iter().position(|id| shard_number(id) == Some(number)) {
            return Some(i as u32);
        }
        let later = number.checked_sub(self.next_number)?;
        u32::try_from(self.given.len() as u64 + later).ok()
    }

    /// Whether the ids are imported.
    pub fn is_imported(&self) -> bool {
        !self.given.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_ids_are_kept_and_new_shards_numbered_after_the_highest() {
        let names = ShardNames::imported(vec![
            "shardId-000000000000".into(),
            "shardId-000000000004".into(),
            "shardId-000000000007".into(),
        ]);
        assert_eq!(names.id(1), "shardId-000000000004");
        assert_eq!(names.id(3), "shardId-000000000008");
        assert_eq!(names.id(4), "shardId-000000000009");
        assert_eq!(names.index_of_number(7), Some(2));
        assert_eq!(names.index_of_number(9), Some(4));
        // Shard 5 was closed before the export: it is not in the map.
        assert_eq!(names.index_of_number(5), None);
        let fresh = ShardNames::new_stream();
        assert_eq!((fresh.id(3), fresh.index_of_number(3)), ("shardId-000000000003".to_string(), Some(3)));
        assert_eq!(shard_number("shardId-12"), None);
    }
}
