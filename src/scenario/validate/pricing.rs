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
        let mut complete = true;
        for section in SECTIONS {
            complete &= top
                .section(section, |t| {
                    let mut ok = true;
                    for rate in Rate::in_section(section) {
                        match t.req(rate.section_key().1, |v| rate_value(&v, rate)) {
                            Some(x) => values[rate as usize] = x,
                            None => ok = false,
                        }
                    }
                    Some(ok)
                })
                .unwrap_or(false);
        }
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
        let mut ok = true;
        for section in SECTIONS {
            ok &= t
                .section(section, |s| {
                    let mut ok = true;
                    for rate in Rate::in_section(section) {
                        if let Some(v) = s.take(rate.section_key().1) {
                            match rate_value(&v, rate) {
                                Some(x) => overrides.push((rate, x)),
                                None => ok = false,
                            }
                        }
                    }
                    Some(ok)
                })
                .unwrap_or(false);
        }
        ok.then_some(PricingSpec { file, overrides })
    })
}

/// A price table path, remembering whether `--set` gave it.
fn price_file(v: &Val<'_>) -> Option<PriceFile> {
    let path = v.text(TEXT_MAX_CHARS)?;
    Some(PriceFile { path, from_command_line: matches!(v.node.origin, Origin::Set(_)) })
}
