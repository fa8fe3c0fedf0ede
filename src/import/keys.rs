//! Partition-key frequency tables: a CSV `partition_key,count[,bytes]
//! [,hash_key]`, or the Kinesis Hot Shard Advisor's key counts.

use std::collections::HashMap;

use serde_json::Value;

use super::json::{self, Node};
use super::{DataError, first_char, hash_key, table, without_bom};

/// One key and how often it was seen.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyCount {
    /// The partition key, 1..=256 characters.
    pub key: String,
    /// How many records had it, >= 0.
    pub count: f64,
    /// The data bytes of those records in total, when the table says.
    pub bytes: Option<f64>,
    /// The hash key its records were routed by, when the table gives one
    /// (`hash_key` column: an explicit hash key, decimal).
    pub hash_key: Option<u128>,
}

/// A parsed key table, in file order; keys distinct, total count > 0.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyTable {
    /// The keys.
    pub keys: Vec<KeyCount>,
}

/// Parses a key table from `text`.
pub fn parse(text: &str) -> Result<KeyTable, DataError> {
    let text = without_bom(text);
    let keys = match first_char(text) {
        Some('[') => from_array(&json::parse(text)?)?,
        Some('{') => from_report(&json::parse(text)?)?,
        Some('<') => from_html(text)?,
        _ => from_csv(text)?,
    };
    if keys.is_empty() {
        return Err(DataError::whole("the key table has no keys"));
    }
    let total: f64 = keys.iter().map(|k| k.count).sum();
    if total <= 0.0 {
        return Err(DataError::whole("the key table's counts add up to 0; at least one key needs a count > 0"));
    }
    Ok(KeyTable { keys })
}

/// Kinesis takes partition keys of 1 to 256 characters.
const MAX_KEY_CHARS: usize = 256;

/// Why `key` cannot be a partition key, if it cannot.
fn key_problem(key: &str) -> Option<String> {
    let chars = key.chars().count();
    (chars == 0 || chars > MAX_KEY_CHARS).then(|| {
        format!("this partition key is {chars} characters long; Kinesis takes keys of 1 to {MAX_KEY_CHARS} characters")
    })
}

/// The CSV columns a key table may have.
const COLUMNS: &str = "partition_key, count, bytes, hash_key";

/// A CSV with a header naming its columns, in any order.
fn from_csv(text: &str) -> Result<Vec<KeyCount>, DataError> {
    let mut rows = table::rows(text, csv::Trim::None);
    let Some(header) = rows.next().transpose()? else {
        return Err(DataError::whole(
            "the file is empty; a key table starts with a header such as partition_key,count",
        ));
    };
    let (mut key, mut count, mut bytes, mut hash) = (None, None, None, None);
    for (i, name) in header.fields.iter().enumerate() {
        let column = match name.trim() {
            "partition_key" => &mut key,
            "count" => &mut count,
            "bytes" => &mut bytes,
            "hash_key" => &mut hash,
            other => {
                return Err(DataError::at(
                    header.at(text, i),
                    format!("unknown column `{other}`; the columns a key table may have are {COLUMNS}"),
                ));
            }
        };
        if column.replace(i).is_some() {
            return Err(DataError::at(header.at(text, i), format!("column `{}` is named twice", name.trim())));
        }
    }
    let (Some(key), Some(count)) = (key, count) else {
        return Err(DataError::at(
            header.at(text, 0),
            format!(
                "the header must name partition_key and count (it names {})",
                header.fields.iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    };
    let width = header.fields.len();
    let mut keys = Vec::new();
    // Where each key's row starts, for a duplicate found once all are read.
    let mut places = Vec::new();
    for row in rows {
        let row = row?;
        let fields = row.fields.len();
        if fields != width {
            return Err(DataError::at(
                row.at(text, width.min(fields)),
                format!("this row has {fields} fields and the header {width}"),
            ));
        }
        let at = |i: usize, why: String| DataError::at(row.at(text, i), format!("{}: {why}", header.fields[i].trim()));
        // An empty bytes or hash_key field leaves that key's value unknown.
        let optional =
            |column: Option<usize>| column.map(|i| (i, &row.fields[i])).filter(|(_, f)| !f.trim().is_empty());
        let name = &row.fields[key];
        if let Some(why) = key_problem(name) {
            return Err(DataError::at(row.at(text, key), why));
        }
        places.push((row.start, row.line));
        keys.push(KeyCount {
            key: name.to_string(),
            count: table::amount(&row.fields[count]).map_err(|why| at(count, why))?,
            bytes: optional(bytes).map(|(i, f)| table::amount(f).map_err(|why| at(i, why))).transpose()?,
            hash_key: optional(hash).map(|(i, f)| hash_key(f.trim()).map_err(|why| at(i, why))).transpose()?,
        });
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        if let Some(first) = seen.insert(&k.key, i) {
            let ((start, line), first_line) = (places[i], places[first].1);
            return Err(DataError::at(
                table::field_at(text, start, key),
                format!("key `{}` is on line {first_line} and again on line {line}; each key needs one row", k.key),
            ));
        }
    }
    Ok(keys)
}

/// A JSON array of `{partitionKey, count, bytes?}` (the hot shard
/// advisor's field names; `partition_key` is taken too).
fn from_array(root: &Value) -> Result<Vec<KeyCount>, DataError> {
    let mut keys = Vec::new();
    let mut paths: HashMap<String, String> = HashMap::new();
    for item in Node::root(root).items()? {
        if let Some(other) =
            item.object()?.keys().find(|k| !matches!(k.as_str(), "partitionKey" | "partition_key" | "count" | "bytes"))
        {
            return Err(item.error(format!(
                "unknown field `{other}`; an entry has partitionKey (or partition_key), count and optionally bytes"
            )));
        }
        let key = match (item.get("partitionKey")?, item.get("partition_key")?) {
            (Some(key), None) | (None, Some(key)) => key,
            (None, None) => return Err(item.error("this entry has no partitionKey")),
            (Some(_), Some(_)) => {
                return Err(item.error("this entry has both partitionKey and partition_key; give one"));
            }
        };
        let name = key.str()?;
        if let Some(why) = key_problem(name) {
            return Err(key.error(why));
        }
        if let Some(earlier) = paths.insert(name.to_string(), key.path.clone()) {
            return Err(key.error(format!("key `{name}` is also at {earlier}; each key needs one entry")));
        }
        keys.push(KeyCount {
            key: name.to_string(),
            count: item.field("count")?.amount()?,
            bytes: item.get("bytes")?.map(|b| b.amount()).transpose()?,
            hash_key: None,
        });
    }
    Ok(keys)
}

/// The Kinesis Hot Shard Advisor's report object: per shard, the top keys
/// under `stats.count` (exact) or `stats.cms` (count-min sketch). A key
/// seen on several shards (a parent and its child) is counted on each, so
/// the counts are summed.
fn from_report(root: &Value) -> Result<Vec<KeyCount>, DataError> {
    let root = Node::root(root);
    let object = root.object()?;
    if !object.contains_key("shards") {
        return Err(root.error(format!(
            "expected a Kinesis Hot Shard Advisor report (with `shards`); this object has {}",
            json::key_list(object)
        )));
    }
    let mut keys: Vec<KeyCount> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut counted = false;
    for shard in root.field("shards")?.items()? {
        let Some(stats) = shard.get("stats")? else { continue };
        let Some(list) = stats.get("count")?.or(stats.get("cms")?) else { continue };
        counted = true;
        for entry in list.items()? {
            let key = entry.field("partitionKey")?;
            let name = key.str()?;
            if let Some(why) = key_problem(name) {
                return Err(key.error(why));
            }
            let count = entry.field("count")?.amount()?;
            match index.get(name) {
                Some(&i) => keys[i].count += count,
                None => {
                    index.insert(name.to_string(), keys.len());
                    keys.push(KeyCount { key: name.to_string(), count, bytes: None, hash_key: None });
                }
            }
        }
    }
    if !counted {
        return Err(root.error("the report holds no key counts; run khs with -aggregate-keys"));
    }
    Ok(keys)
}

/// The hot shard advisor's HTML output, which carries its report as
/// `const report = {…};` in a script.
fn from_html(text: &str) -> Result<Vec<KeyCount>, DataError> {
    const MARKER: &str = "const report =";
    let Some(at) = text.find(MARKER) else {
        return Err(DataError::whole(
            "expected a Kinesis Hot Shard Advisor report: this HTML has no `const report =` to read",
        ));
    };
    from_report(&json::parse_embedded(text, at + MARKER.len())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: &str, count: f64, bytes: Option<f64>, hash_key: Option<u128>) -> KeyCount {
        KeyCount { key: key.to_string(), count, bytes, hash_key }
    }

    fn error(text: &str) -> (Option<String>, String) {
        let err = parse(text).unwrap_err();
        (err.location, err.message)
    }

    #[test]
    fn csv_quoted_or_not_in_any_column_order() {
        let plain = "partition_key,count\nuser-1,3\nuser-2,12.0\n";
        let quoted = "\"count\",\"partition_key\"\n\"3\",\"user-1\"\n\"12.0\",\"user-2\"\n";
        let expected = vec![key("user-1", 3.0, None, None), key("user-2", 12.0, None, None)];
        assert_eq!(parse(plain).unwrap().keys, expected);
        assert_eq!(parse(quoted).unwrap().keys, expected);
        // Quotes let a key hold a comma or a quote; the key is not trimmed.
        let odd = "partition_key,count\n\"a,b\",1\n\"say \"\"hi\"\"\",2\n\" c\",3\n";
        let names: Vec<String> = parse(odd).unwrap().keys.into_iter().map(|k| k.key).collect();
        assert_eq!(names, ["a,b", "say \"hi\"", " c"]);
    }

    #[test]
    fn csv_bytes_and_hash_keys() {
        let text = "hash_key,bytes,partition_key,count\n\
                    340282366920938463463374607431768211455,6000,a,10\n\
                    ,,b,5\n\
                    0,0,c,0\n";
        assert_eq!(
            parse(text).unwrap().keys,
            vec![
                key("a", 10.0, Some(6000.0), Some(u128::MAX)),
                key("b", 5.0, None, None),
                key("c", 0.0, Some(0.0), Some(0))
            ]
        );
    }

    #[test]
    fn csv_errors_are_located() {
        let cases = [
            (
                "partition_key,count,size\na,1,2\n",
                "1:21",
                "unknown column `size`; the columns a key table may have are partition_key, count, bytes, hash_key",
            ),
            ("partition_key,count,count\n", "1:21", "column `count` is named twice"),
            ("partition_key,bytes\na,1\n", "1:1", "the header must name partition_key and count"),
            ("partition_key,count\na,1,2\n", "2:5", "this row has 3 fields and the header 2"),
            ("partition_key,count\na\n", "2:2", "this row has 1 fields and the header 2"),
            ("partition_key,count\na,-1\n", "2:3", "count: expected a number >= 0, found -1"),
            ("partition_key,count\na,NaN\n", "2:3", "count: expected a finite number, found `NaN`"),
            ("partition_key,count,bytes\na,1,lots\n", "2:5", "bytes: expected a finite number"),
            ("partition_key,count,hash_key\na,1,-5\n", "2:5", "hash_key: expected a decimal number"),
            (
                "partition_key,count,hash_key\na,1,340282366920938463463374607431768211456\n",
                "2:5",
                "above the largest hash key",
            ),
            ("partition_key,count\n\"\",1\n", "2:1", "this partition key is 0 characters long"),
            ("partition_key,count\na,1\nb,1\na,2\n", "4:1", "key `a` is on line 2 and again on line 4"),
            // Columns count characters: the key is 4 Cyrillic letters.
            ("partition_key,count\n\"ключ\",x\n", "2:8", "count: expected a finite number, found `x`"),
        ];
        for (text, at, message) in cases {
            let (location, full) = error(text);
            assert_eq!(location.as_deref(), Some(at), "{text}");
            assert!(full.contains(message), "{text}: {full}");
        }
    }

    #[test]
    fn keys_are_1_to_256_characters() {
        let long = "k".repeat(257);
        let (at, message) = error(&format!("partition_key,count\n{long},1\n"));
        assert_eq!(at.as_deref(), Some("2:1"));
        assert_eq!(message, "this partition key is 257 characters long; Kinesis takes keys of 1 to 256 characters");
        // 256 characters of two bytes each: 512 bytes, still a valid key.
        let wide = "é".repeat(256);
        assert_eq!(parse(&format!("partition_key,count\n{wide},1\n")).unwrap().keys[0].key, wide);
        let json = format!(r#"[{{"partitionKey": "{long}", "count": 1}}]"#);
        assert_eq!(error(&json).0.as_deref(), Some("$[0].partitionKey"));
    }

    #[test]
    fn tables_need_keys_and_some_count() {
        assert_eq!(error("partition_key,count\n"), (None, "the key table has no keys".to_string()));
        assert_eq!(error("[]"), (None, "the key table has no keys".to_string()));
        assert_eq!(
            error("partition_key,count\na,0\nb,0\n"),
            (None, "the key table's counts add up to 0; at least one key needs a count > 0".to_string())
        );
    }

    #[test]
    fn json_arrays_take_either_field_name() {
        let text = r#"[{"partitionKey": "a", "count": 7}, {"partition_key": "b", "count": 2.5, "bytes": 900}]"#;
        assert_eq!(parse(text).unwrap().keys, vec![key("a", 7.0, None, None), key("b", 2.5, Some(900.0), None)]);
    }

    #[test]
    fn json_array_errors_are_located() {
        let cases = [
            (
                r#"[{"partitionKey": "a", "count": 1}, {"partitionKey": "a", "count": 2}]"#,
                "$[1].partitionKey",
                "also at $[0].partitionKey",
            ),
            (r#"[{"partitionKey": "a"}]"#, "$[0]", "`count` is missing"),
            (r#"[{"partitionKey": "a", "count": -1}]"#, "$[0].count", "expected a number >= 0"),
            (r#"[{"partitionKey": "a", "count": "1"}]"#, "$[0].count", "found a string"),
            (r#"[{"partitionKey": 5, "count": 1}]"#, "$[0].partitionKey", "expected a string"),
            (r#"[{"key": "a", "count": 1}]"#, "$[0]", "unknown field `key`"),
            (r#"[{"count": 1}]"#, "$[0]", "no partitionKey"),
            (r#"[3]"#, "$[0]", "expected an object"),
            ("[{\"partitionKey\": \"a\",\n \"count\": 1,}]", "2:13", "not valid JSON"),
        ];
        for (text, at, message) in cases {
            let (location, full) = error(text);
            assert_eq!(location.as_deref(), Some(at), "{text}");
            assert!(full.contains(message), "{text}: {full}");
        }
    }

    const REPORT: &str = r#"{"from": 1727647800, "shards": [
        {"shardId": "shardId-000000000001", "stats": {
            "ingress-bytes": {"timeSeries": [10, 20], "sum": 30, "max": 20},
            "count": [{"partitionKey": "hot", "count": 900}, {"partitionKey": "warm", "count": 40}]}},
        {"shardId": "shardId-000000000002", "stats": {
            "cms": [{"partitionKey": "cool", "count": 12}, {"partitionKey": "hot", "count": 100}]}}]}"#;

    #[test]
    fn hot_shard_advisor_reports_sum_keys_across_shards() {
        let expected =
            vec![key("hot", 1000.0, None, None), key("warm", 40.0, None, None), key("cool", 12.0, None, None)];
        assert_eq!(parse(REPORT).unwrap().keys, expected);
        let html = format!(
            "<!DOCTYPE html>\n<html><body><script>\n        const report = {REPORT};\n        const options = \
             {{ limit: 10 }};\n</script></body></html>\n"
        );
        assert_eq!(parse(&html).unwrap().keys, expected);
    }

    #[test]
    fn hot_shard_advisor_errors() {
        let (at, message) = error(r#"{"from": 0, "shards": [{"shardId": "s", "stats": {"ingress-bytes": {}}}]}"#);
        assert_eq!(
            (at.as_deref(), message.as_str()),
            (Some("$"), "the report holds no key counts; run khs with -aggregate-keys")
        );
        let (at, message) = error(r#"{"Shards": []}"#);
        assert_eq!(at.as_deref(), Some("$"));
        assert!(message.contains("this object has `Shards`"), "{message}");
        let bad = r#"{"shards": [{"stats": {"count": [{"partitionKey": "a", "count": -3}]}}]}"#;
        assert_eq!(error(bad).0.as_deref(), Some("$.shards[0].stats.count[0].count"));
        assert_eq!(error("<html><body>no report</body></html>").0, None);
        // A syntax error inside the embedded report is placed in the HTML.
        let broken = "<html>\n<script>\nconst report = {\"shards\": [}];\n</script>";
        assert_eq!(error(broken).0.as_deref(), Some("3:28"));
        let broken = "<html>\n<script>\nconst report = {\n  \"shards\": [}];\n</script>";
        assert_eq!(error(broken).0.as_deref(), Some("4:14"));
    }

    #[test]
    fn the_sample_tables_agree() {
        let csv = parse(include_str!("../../scenarios/data/orders-keys.csv")).unwrap().keys;
        let khs = parse(include_str!("../../scenarios/data/orders-keys-khs.json")).unwrap().keys;
        assert_eq!(csv.len(), 2000);
        assert_eq!(khs.len(), 10);
        for (a, b) in csv.iter().zip(&khs) {
            assert_eq!((&a.key, a.count), (&b.key, b.count));
        }
        let total: f64 = csv.iter().map(|k| k.count).sum();
        let hot = &csv[0];
        assert_eq!(hot.key, "tenant-0007");
        assert!((0.2..0.24).contains(&(hot.count / total)), "{}", hot.count / total);
        let bytes: f64 = csv.iter().filter_map(|k| k.bytes).sum();
        assert!((570.0..630.0).contains(&(bytes / total)), "{}", bytes / total);
    }
}
