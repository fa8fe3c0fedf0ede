//! Price tables: a whole table file (every rate required, with its
//! `[table]` header and optional `[sources]`), and a scenario's `pricing`
//! key — a file path, or a `[pricing]` table of single rates to change
//! (plus an optional `file`). Both are checked against the one list of
//! rates in [`Rate`], so a misspelt rate is an unknown key, never ignored.

use std::collections::BTreeMap;

use super::{Interval, TableReader, Val};
use crate::cost::prices::{PriceTable, RATE_COUNT, Rate, SECTIONS};
use crate::scenario::errors::Sink;
use crate::scenario::model::{PriceFile, PricingSpec};
use crate::scenario::tree::{Node, Origin, Value, key_path, quote};

/// Longest path or header text accepted.
const TEXT_MAX_CHARS: usize = 4_096;

/// Builds a complete price table from a table file's `root`, or returns
/// `None` having reported at least one problem.
pub(crate) fn price_table(root: &Node, sink: &Sink, source_file: &str) -> Option<PriceTable> {
    let root = Val { node: root, path: String::new(), sink };
    root.read_table(|top| {
        let header = top.section("table", header);
        let mut values = [0.0; RATE_COUNT];
        let complete = read_rates(top, true, |rate, x| values[rate as usize] = x);
        let sources = top.opt("sources", BTreeMap::new(), sources);
        let (region, currency, as_of, version) = header?;
        (complete && sources.is_some()).then(|| PriceTable {
            region,
            currency,
            as_of,
            version,
            source_file: source_file.to_string(),
            values,
            sources: sources.unwrap_or_default(),
            overridden: BTreeMap::new(),
        })
    })
}

/// Reads the rate keys of the sections of `t` — every one when
/// `required`, else those present — handing each valid value to `found`;
/// returns whether all were valid (and present, when required).
fn read_rates(t: &mut TableReader<'_>, required: bool, mut found: impl FnMut(Rate, f64)) -> bool {
    let mut all_ok = true;
    for section in SECTIONS {
        all_ok &= t
            .section(section, |s| {
                let mut ok = true;
                for rate in Rate::in_section(section) {
                    let key = rate.section_key().1;
                    let value = match s.take(key) {
                        Some(v) => rate_value(&v, rate),
                        None if required => {
                            s.missing(key, "missing required key".into());
                            None
                        }
                        None => continue,
                    };
                    match value {
                        Some(x) => found(rate, x),
                        None => ok = false,
                    }
                }
                Some(ok)
            })
            .unwrap_or(false);
    }
    all_ok
}

/// `[table]`: region, currency, as_of, version.
fn header(t: &mut TableReader<'_>) -> Option<(String, String, String, u32)> {
    let region = t.req("region", |v| v.text(TEXT_MAX_CHARS));
    let currency = t.req("currency", |v| v.choice(&[("USD", ())], &[]).map(|()| "USD".to_string()));
    let as_of = t.req("as_of", date);
    let version = t.req("version", |v| v.int(1, u32::MAX));
    Some((region?, currency?, as_of?, version?))
}

/// A `YYYY-MM-DD` date string.
fn date(v: Val<'_>) -> Option<String> {
    let text = v.text(TEXT_MAX_CHARS)?;
    let parts: Vec<&str> = text.split('-').collect();
    let number = |s: &str, digits: usize, max: u32| {
        (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .filter(|n| (1..=max).contains(n))
    };
    match parts.as_slice() {
        [y, m, d] if number(y, 4, 9_999).is_some() && number(m, 2, 12).is_some() && number(d, 2, 31).is_some() => {
            Some(text)
        }
        _ => {
            v.error(format!("expected a date as \"YYYY-MM-DD\", got {}", quote(&text)));
            None
        }
    }
}

/// A rate: a finite number >= 0 (a share: at most 1).
fn rate_value(v: &Val<'_>, rate: Rate) -> Option<f64> {
    let range = Interval { max: rate.max(), max_open: rate.max().is_infinite(), ..Interval::NON_NEGATIVE };
    v.float(range)
}

/// `[sources]`: rate key path → where the rate comes from.
fn sources(v: Val<'_>) -> Option<BTreeMap<String, String>> {
    let Value::Table(entries) = &v.node.value else {
        v.expected("a table");
        return None;
    };
    let valid: Vec<String> = Rate::ALL.iter().map(|r| r.path()).collect();
    let mut out = BTreeMap::new();
    let mut ok = true;
    for e in entries {
        let item = Val { node: &e.node, path: key_path(&v.path, &e.key), sink: v.sink };
        if !valid.contains(&e.key) {
            v.sink.report(e.key_origin, item.path.clone(), format!("unknown rate; valid keys: {}", valid.join(", ")));
            ok = false;
        } else if let Some(text) = item.text(TEXT_MAX_CHARS) {
            out.insert(e.key.clone(), text);
        } else {
            ok = false;
        }
    }
    ok.then_some(out)
}

/// A scenario's `pricing`: `"path.toml"`, or a table with an optional
/// `file` and `[pricing.<mode>]` rates.
pub(crate) fn pricing(v: Val<'_>) -> Option<PricingSpec> {
    if let Value::Str(_) = v.node.value {
        return Some(PricingSpec { file: Some(price_file(&v)?), overrides: Vec::new() });
    }
    if !matches!(v.node.value, Value::Table(_)) {
        v.expected("a price table file path (a string) or a table of rates");
        return None;
    }
    v.read_table(|t| {
        let file = match t.take("file") {
            Some(f) => Some(price_file(&f)?),
            None => None,
        };
        let mut overrides = Vec::new();
        let ok = read_rates(t, false, |rate, x| overrides.push((rate, x)));
        ok.then_some(PricingSpec { file, overrides })
    })
}

/// A price table path, remembering whether `--set` gave it.
fn price_file(v: &Val<'_>) -> Option<PriceFile> {
    let path = v.text(TEXT_MAX_CHARS)?;
    Some(PriceFile { path, from_command_line: matches!(v.node.origin, Origin::Set(_)) })
}

#[cfg(test)]
mod tests {
    use crate::cost::prices::{BUILT_IN_TEXT, Rate};
    use crate::scenario::{built_in_prices, load, load_prices};

    const SCENARIO: &str =
        "[scenario]\nname = \"p\"\n[stream]\nshard_count = 1\n[[producers]]\nname = \"p\"\nrecords_per_s = 1\n";

    fn errors(result: Result<impl std::fmt::Debug, crate::scenario::ScenarioErrors>) -> Vec<String> {
        match result {
            Ok(v) => panic!("expected errors, got {v:?}"),
            Err(e) => e.to_string().lines().map(String::from).collect(),
        }
    }

    #[test]
    fn the_built_in_table_has_the_reference_rates_and_a_source_for_each() {
        let t = built_in_prices();
        assert_eq!((t.region.as_str(), t.currency.as_str(), t.as_of.as_str()), ("us-east-1", "USD", "2026-07-30"));
        // Reference §11.2.
        let expected = [
            0.015, 0.014, 0.015, 0.013, 0.02, 0.0, 0.023, // provisioned (closed shards: shardsim's 0)
            0.04, 0.08, 0.04, 0.05, 0.10, 0.023, // on-demand Standard
            0.032, 0.016, 0.016, 0.023, 25.0, 25.0, 1.0, // Advantage
            0.00065, 0.00013, 0.625, 0.125, // DynamoDB lease tables
            0.029, // Firehose ingestion
        ];
        assert_eq!(t.values, expected);
        for rate in Rate::ALL {
            assert!(t.sources.get(&rate.path()).is_some_and(|s| s.len() > 20), "no source for {}", rate.path());
        }
        assert!(t.overridden.is_empty());
    }

    #[test]
    fn scenario_rates_override_single_entries() {
        let text = format!(
            "{SCENARIO}[pricing.provisioned]\nusd_per_shard_hour = 0.03\n\
             [pricing.on_demand_advantage]\ncommitment_share = 0.25\n"
        );
        let s = load("x.toml", &text, &[]).unwrap();
        assert_eq!(s.pricing.file, None);
        assert_eq!(s.pricing.overrides, vec![(Rate::ShardHour, 0.03), (Rate::AdvantageCommitmentShare, 0.25)]);
        let t = built_in_prices().with_overrides(&s.pricing.overrides);
        assert_eq!((t[Rate::ShardHour], t[Rate::StreamHour]), (0.03, 0.04));
        assert_eq!(t.overridden.get("provisioned.usd_per_shard_hour"), Some(&0.03));
        // The same through --set, and a file path in either form.
        let set = |a: &[&str]| load("x.toml", SCENARIO, &a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            set(&["pricing.on_demand.usd_per_gb_read=0.5"]).unwrap().pricing.overrides,
            vec![(Rate::OnDemandGbRead, 0.5)]
        );
        let by_set = set(&["pricing=eu.toml"]).unwrap().pricing.file.unwrap();
        assert_eq!((by_set.path.as_str(), by_set.from_command_line), ("eu.toml", true));
        let in_file = load("x.toml", &format!("pricing = \"eu.toml\"\n{SCENARIO}"), &[]).unwrap();
        assert!(!in_file.pricing.file.unwrap().from_command_line);
    }

    #[test]
    fn bad_pricing_keys_and_values_are_located_and_explained() {
        let text = format!(
            "{SCENARIO}[pricing]\nfiel = \"a.toml\"\n[pricing.provisioned]\nusd_per_shard_hours = 0.03\n\
             efo_usd_per_gb = -1\n[pricing.on_demand_advantage]\ncommitment_share = 1.5\n"
        );
        let lines = errors(load("x.toml", &text, &[]));
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[0].starts_with("x.toml:9:1: pricing.fiel: unknown key; did you mean `file`?"), "{lines:?}");
        assert!(
            lines[1].starts_with(
                "x.toml:11:1: pricing.provisioned.usd_per_shard_hours: unknown key; did you mean `usd_per_shard_hour`?"
            ),
            "{lines:?}"
        );
        assert_eq!(lines[2], "x.toml:12:18: pricing.provisioned.efo_usd_per_gb: must be >= 0, got -1");
        assert_eq!(
            lines[3],
            "x.toml:14:20: pricing.on_demand_advantage.commitment_share: must be >= 0 and <= 1, got 1.5"
        );
        let lines = errors(load("x.toml", &format!("pricing = 3\n{SCENARIO}"), &[]));
        assert_eq!(
            lines,
            ["x.toml:1:11: pricing: expected a price table file path (a string) or a table of rates, got integer 3"]
        );
    }

    #[test]
    fn a_price_table_file_must_be_complete_and_well_formed() {
        let broken = BUILT_IN_TEXT
            .replace("as_of = \"2026-07-30\"", "as_of = \"30 July 2026\"")
            .replace("usd_per_stream_hour = 0.04\n", "")
            .replace("\"provisioned.usd_per_shard_hour\" =", "\"provisioned.usd_per_shard_hours\" =");
        let lines = errors(load_prices("eu.toml", &broken));
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("table.as_of: expected a date as \"YYYY-MM-DD\", got \"30 July 2026\""), "{lines:?}");
        assert!(lines[1].contains("on_demand.usd_per_stream_hour: missing required key"), "{lines:?}");
        assert!(lines[2].contains("unknown rate; valid keys: provisioned.usd_per_shard_hour, "), "{lines:?}");
        assert!(lines.iter().all(|l| l.starts_with("eu.toml:")), "{lines:?}");
    }
}
