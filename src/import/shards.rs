//! A real stream's shard map, from `aws kinesis list-shards` or
//! `describe-stream` JSON: the open shards, sorted by starting hash key,
//! checked to cover the hash space exactly.

use std::collections::HashMap;

use serde_json::Value;

use super::json::{self, Node};
use super::{DataError, hash_key, without_bom};

/// One open shard as AWS listed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedShard {
    /// `ShardId`, as written.
    pub id: String,
    /// `HashKeyRange.StartingHashKey`.
    pub start: u128,
    /// `HashKeyRange.EndingHashKey` (inclusive).
    pub end: u128,
}

/// A parsed shard map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardTable {
    /// `StreamName` when the file gives it (describe-stream).
    pub stream_name: Option<String>,
    /// The open shards, by starting hash key: the first starts at 0, each
    /// next one right after the previous one's end, the last ends at
    /// 2^128 − 1.
    pub shards: Vec<ImportedShard>,
    /// How many closed shards (with an `EndingSequenceNumber`) were left out.
    pub closed: usize,
}

/// Parses a shard map from `text`.
pub fn parse(text: &str) -> Result<ShardTable, DataError> {
    let value = json::parse(without_bom(text))?;
    let root = Node::root(&value);
    let object = root.object()?;
    let (list, stream_name, more) = if object.contains_key("Shards") {
        (root.field("Shards")?, None, root.get("NextToken")?)
    } else if let Some(description) = root.get("StreamDescription")? {
        let name = description.get("StreamName")?.map(|n| n.str().map(str::to_string)).transpose()?;
        let more = description.get("HasMoreShards")?.filter(|more| more.value == &Value::Bool(true));
        (description.field("Shards")?, name, more)
    } else {
        return Err(root.error(format!(
            "expected list-shards output (with `Shards`) or describe-stream output (with `StreamDescription`); \
             this object has {}",
            json::key_list(object)
        )));
    };
    let mut open = Vec::new();
    let mut closed = 0;
    let mut paths: HashMap<&str, String> = HashMap::new();
    for shard in list.items()? {
        let id = shard.field("ShardId")?;
        let name = id.str()?;
        let chars = name.chars().count();
        if !(1..=MAX_ID_CHARS).contains(&chars) {
            return Err(id.error(format!("a ShardId has 1 to {MAX_ID_CHARS} characters; this one has {chars}")));
        }
        if let Some(earlier) = paths.insert(name, shard.path.clone()) {
            return Err(id.error(format!("{name} is listed twice, also at {earlier}")));
        }
        let range = shard.field("HashKeyRange")?;
        let start = hash_key_at(&range.field("StartingHashKey")?)?;
        let end = hash_key_at(&range.field("EndingHashKey")?)?;
        if start > end {
            return Err(range.error(format!("StartingHashKey {start} is above EndingHashKey {end}")));
        }
        // AWS leaves the ending sequence number out (or null) while a shard is open.
        if shard.field("SequenceNumberRange")?.get("EndingSequenceNumber")?.is_some() {
            closed += 1;
        } else {
            open.push((ImportedShard { id: name.to_string(), start, end }, shard.path.clone()));
        }
    }
    open.sort_by_key(|(shard, _)| shard.start);
    if let Err(gap) = covers(&open) {
        return Err(match more {
            Some(more) => more.error(
                "the listing continues behind NextToken: export all pages (the AWS CLI pages on its own unless \
                 --max-items/--no-paginate were given)",
            ),
            None => gap,
        });
    }
    Ok(ShardTable { stream_name, shards: open.into_iter().map(|(shard, _)| shard).collect(), closed })
}

/// The longest ShardId AWS allows.
const MAX_ID_CHARS: usize = 128;

/// The hash key written as a decimal string at `node`.
fn hash_key_at(node: &Node) -> Result<u128, DataError> {
    let text = node.value.as_str().ok_or_else(|| {
        node.error(format!("expected a hash key as a decimal string such as \"0\", found {}", json::kind(node.value)))
    })?;
    hash_key(text).map_err(|why| node.error(why))
}

/// Whether the `open` shards, sorted by start, cover the hash space once:
/// from 0, each next one right after the previous one, to 2^128 − 1.
fn covers(open: &[(ImportedShard, String)]) -> Result<(), DataError> {
    let start_path = |path: &str| format!("{path}.HashKeyRange.StartingHashKey");
    let (Some((first, first_path)), Some((last, last_path))) = (open.first(), open.last()) else {
        return Err(DataError::whole("the listing has no open shard: every shard has an EndingSequenceNumber"));
    };
    if first.start != 0 {
        return Err(DataError::at(
            start_path(first_path),
            format!(
                "no open shard covers hash keys 0..={}, below {} (starts at {})",
                first.start - 1,
                first.id,
                first.start
            ),
        ));
    }
    for pair in open.windows(2) {
        let [(a, _), (b, b_path)] = pair else { continue };
        // `a.end` is below 2^128 − 1 when a shard starts after it.
        let next = a.end.saturating_add(1);
        if b.start > next {
            return Err(DataError::at(
                start_path(b_path),
                format!(
                    "no open shard covers hash keys {next}..={}, between {} (ends at {}) and {} (starts at {})",
                    b.start - 1,
                    a.id,
                    a.end,
                    b.id,
                    b.start
                ),
            ));
        }
        if b.start <= a.end {
            return Err(DataError::at(
                start_path(b_path),
                format!(
                    "{} and {} are both open and both cover hash keys {}..={}; a shard that was split or merged \
                     needs its EndingSequenceNumber",
                    a.id,
                    b.id,
                    b.start,
                    a.end.min(b.end)
                ),
            ));
        }
    }
    if last.end != u128::MAX {
        return Err(DataError::at(
            format!("{last_path}.HashKeyRange.EndingHashKey"),
            format!(
                "no open shard covers hash keys {}..={}, above {} (ends at {})",
                last.end + 1,
                u128::MAX,
                last.id,
                last.end
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, start: u128, end: u128) -> ImportedShard {
        ImportedShard { id: id.to_string(), start, end }
    }

    fn error(text: &str) -> (Option<String>, String) {
        let err = parse(text).unwrap_err();
        (err.location, err.message)
    }

    /// A list-shards listing of open shards with these ranges.
    fn listing(ranges: &[(&str, &str, &str)]) -> String {
        let shards: Vec<String> = ranges
            .iter()
            .map(|(id, start, end)| {
                format!(
                    r#"{{"ShardId": "{id}", "HashKeyRange": {{"StartingHashKey": "{start}", "EndingHashKey": "{end}"}},
                       "SequenceNumberRange": {{"StartingSequenceNumber": "4954"}}}}"#
                )
            })
            .collect();
        format!(r#"{{"Shards": [{}]}}"#, shards.join(","))
    }

    const MAX: &str = "340282366920938463463374607431768211455";

    #[test]
    fn one_split_leaves_its_parent_out() {
        // The describe-stream output after one split (traffic-import.md §3).
        let text = r#"{"StreamDescription":{"StreamStatus":"ACTIVE","StreamName":"orders","Shards":[
         {"ShardId":"shardId-000000000000",
          "HashKeyRange":{"EndingHashKey":"340282366920938463463374607431768211455","StartingHashKey":"0"},
          "SequenceNumberRange":{"EndingSequenceNumber":"49548859072981","StartingSequenceNumber":"49548859072970"}},
         {"ShardId":"shardId-000000000001",
          "HashKeyRange":{"EndingHashKey":"170141183460469231731687303715884105726","StartingHashKey":"0"},
          "ParentShardId":"shardId-000000000000",
          "SequenceNumberRange":{"StartingSequenceNumber":"49548859213219"}},
         {"ShardId":"shardId-000000000002",
          "HashKeyRange":{"EndingHashKey":"340282366920938463463374607431768211455",
                          "StartingHashKey":"170141183460469231731687303715884105727"},
          "ParentShardId":"shardId-000000000000",
          "SequenceNumberRange":{"StartingSequenceNumber":"49548859213241","EndingSequenceNumber":null}}]}}"#;
        let table = parse(text).unwrap();
        assert_eq!(table.stream_name.as_deref(), Some("orders"));
        assert_eq!(table.closed, 1);
        assert_eq!(
            table.shards,
            vec![
                shard("shardId-000000000001", 0, 170141183460469231731687303715884105726),
                shard("shardId-000000000002", 170141183460469231731687303715884105727, u128::MAX),
            ]
        );
    }

    #[test]
    fn an_even_three_shard_stream_in_any_order() {
        // An even N-shard stream starts shard i at floor(i * 2^128 / N);
        // 2^128 = 3 * 113427455640312821154458202477256070485 + 1.
        let third = u128::MAX / 3;
        assert_eq!(third, 113427455640312821154458202477256070485);
        let text = listing(&[
            ("shardId-000000000002", "226854911280625642308916404954512140970", MAX),
            ("shardId-000000000000", "0", "113427455640312821154458202477256070484"),
            (
                "shardId-000000000001",
                "113427455640312821154458202477256070485",
                "226854911280625642308916404954512140969",
            ),
        ]);
        let table = parse(&text).unwrap();
        assert_eq!((table.stream_name, table.closed), (None, 0));
        assert_eq!(
            table.shards,
            vec![
                shard("shardId-000000000000", 0, third - 1),
                shard("shardId-000000000001", third, 2 * third - 1),
                shard("shardId-000000000002", 2 * third, u128::MAX),
            ]
        );
    }

    #[test]
    fn gaps_and_overlaps_name_both_shards_and_the_keys() {
        let gap = listing(&[("a", "0", "99"), ("b", "120", MAX)]);
        assert_eq!(
            error(&gap),
            (
                Some("$.Shards[1].HashKeyRange.StartingHashKey".to_string()),
                "no open shard covers hash keys 100..=119, between a (ends at 99) and b (starts at 120)".to_string()
            )
        );
        let overlap = listing(&[("a", "0", "99"), ("b", "90", MAX)]);
        let (at, message) = error(&overlap);
        assert_eq!(at.as_deref(), Some("$.Shards[1].HashKeyRange.StartingHashKey"));
        assert!(message.starts_with("a and b are both open and both cover hash keys 90..=99;"), "{message}");
        let low = listing(&[("a", "5", MAX)]);
        assert_eq!(
            error(&low),
            (
                Some("$.Shards[0].HashKeyRange.StartingHashKey".to_string()),
                "no open shard covers hash keys 0..=4, below a (starts at 5)".to_string()
            )
        );
        let high = listing(&[("a", "0", "340282366920938463463374607431768211453")]);
        assert_eq!(
            error(&high),
            (
                Some("$.Shards[0].HashKeyRange.EndingHashKey".to_string()),
                format!(
                    "no open shard covers hash keys 340282366920938463463374607431768211454..={MAX}, above a (ends at 340282366920938463463374607431768211453)"
                )
            )
        );
    }

    #[test]
    fn a_next_token_matters_only_when_shards_are_missing() {
        let complete = listing(&[("a", "0", MAX)]).replacen('{', r#"{"NextToken": "AAAA", "#, 1);
        assert_eq!(parse(&complete).unwrap().shards, vec![shard("a", 0, u128::MAX)]);
        let partial = listing(&[("a", "0", "99")]).replacen('{', r#"{"NextToken": "AAAA", "#, 1);
        assert_eq!(
            error(&partial),
            (
                Some("$.NextToken".to_string()),
                "the listing continues behind NextToken: export all pages (the AWS CLI pages on its own unless \
                 --max-items/--no-paginate were given)"
                    .to_string()
            )
        );
    }

    #[test]
    fn bad_shards_are_refused_where_they_are() {
        let cases = [
            (listing(&[("a", "0", "1e5")]), "$.Shards[0].HashKeyRange.EndingHashKey", "expected a decimal number"),
            (listing(&[("a", "-1", MAX)]), "$.Shards[0].HashKeyRange.StartingHashKey", "found `-1`"),
            (
                listing(&[("a", "0", "340282366920938463463374607431768211456")]),
                "$.Shards[0].HashKeyRange.EndingHashKey",
                "above the largest hash key",
            ),
            (
                listing(&[("a", "0", "99"), ("a", "100", MAX)]),
                "$.Shards[1].ShardId",
                "a is listed twice, also at $.Shards[0]",
            ),
            (
                listing(&[("a", "100", "99")]),
                "$.Shards[0].HashKeyRange",
                "StartingHashKey 100 is above EndingHashKey 99",
            ),
            (listing(&[("", "0", MAX)]), "$.Shards[0].ShardId", "this one has 0"),
            (
                listing(&[("a", "0", MAX)]).replace(r#""0""#, "0"),
                "$.Shards[0].HashKeyRange.StartingHashKey",
                "decimal string such as \"0\", found a number",
            ),
            (
                r#"{"Shards": [{"ShardId": "a", "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "1"}}]}"#
                    .to_string(),
                "$.Shards[0]",
                "`SequenceNumberRange` is missing",
            ),
            (r#"{"Shards": {}}"#.to_string(), "$.Shards", "expected an array"),
            (r#"{"StreamDescriptionSummary": {}}"#.to_string(), "$", "this object has `StreamDescriptionSummary`"),
            ("{\"Shards\": [\n{]}".to_string(), "2:2", "not valid JSON"),
        ];
        for (text, at, message) in cases {
            let (location, full) = error(&text);
            assert_eq!(location.as_deref(), Some(at), "{text}");
            assert!(full.contains(message), "{text}: {full}");
        }
        let long = "s".repeat(129);
        assert!(error(&listing(&[(long.as_str(), "0", MAX)])).1.contains("this one has 129"));
    }

    #[test]
    fn a_listing_of_closed_shards_only_is_refused() {
        let text = r#"{"Shards": [{"ShardId": "a", "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "1"},
            "SequenceNumberRange": {"StartingSequenceNumber": "1", "EndingSequenceNumber": "2"}}]}"#;
        assert_eq!(
            error(text),
            (None, "the listing has no open shard: every shard has an EndingSequenceNumber".to_string())
        );
    }

    #[test]
    fn the_sample_listing_has_six_open_shards() {
        let table = parse(include_str!("../../scenarios/data/orders-list-shards.json")).unwrap();
        assert_eq!(table.closed, 2);
        let ids: Vec<&str> = table.shards.iter().map(|s| s.id.as_str()).collect();
        let expected = [0, 4, 6, 7, 2, 3].map(|i| format!("shardId-{i:012}"));
        assert_eq!(ids, expected);
        // Widths in 2^-4 of the hash space: quarters, an eighth, sixteenths.
        let sixteenths: Vec<u128> = table.shards.iter().map(|s| (s.end - s.start + 1) >> 124).collect();
        assert_eq!(sixteenths, [4, 2, 1, 1, 4, 4]);
    }
}
