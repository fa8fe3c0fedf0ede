//! The scenario as an owned tree of TOML values, each remembering where it
//! came from (a byte offset in the file or a `--set` argument), and the
//! `--set PATH=VALUE` overrides applied to that tree before validation.
//!
//! Keeping our own tree (rather than `toml`'s borrowed one) lets overrides
//! insert values that did not come from the file, and lets validation report
//! every value's origin the same way whichever source it came from.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::errors::Problem;

/// Where a key or value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The file as a whole: the root table, or a table the file lacks.
    WholeFile,
    /// The byte offset in the file where the key or value starts.
    File(usize),
    /// The `--set` argument with this index.
    Set(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub origin: Origin,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
    /// A value no scenario key accepts (a datetime, an integer beyond
    /// `i128`), kept only as its description for messages.
    Other(String),
    Array(Vec<Node>),
    /// Entries in source order.
    Table(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_origin: Origin,
    pub node: Node,
}

impl Value {
    /// How the value is named after "got" in messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Int(n) => format!("integer {n}"),
            Value::Float(x) => format!("float {}", fmt_float(*x)),
            Value::Str(s) => format!("string {}", quote(s)),
            Value::Bool(b) => format!("boolean {b}"),
            Value::Other(description) => description.clone(),
            Value::Array(_) => "array".to_string(),
            Value::Table(_) => "table".to_string(),
        }
    }
}

impl Node {
    /// The value of `key` if this is a table that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.node),
            _ => None,
        }
    }
}

/// A float as users write it in TOML (`nan`, `inf`, `-inf`, `2.5`).
pub(crate) fn fmt_float(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{x:?}")
    }
}

/// User text in messages: escaped (so a message stays on one line) and
/// shortened (so a megabyte string does not flood the terminal).
pub(crate) fn quote(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    if s.chars().count() <= MAX_CHARS {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(MAX_CHARS).collect();
        format!("{head:?}…")
    }
}

/// `parent.key`, quoting keys that are not bare TOML keys.
pub(crate) fn key_path(parent: &str, key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare { key.to_string() } else { quote(key) };
    if parent.is_empty() { key } else { format!("{parent}.{key}") }
}

/// `parent[index]`.
pub(crate) fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// Parses the scenario file; a syntax error is the only problem reported.
pub(crate) fn parse_document(text: &str) -> Result<Node, Problem> {
    match DeTable::parse(text) {
        Ok(table) => Ok(Node {
            origin: Origin::WholeFile,
            value: Value::Table(convert_table(table.into_inner(), &Origin::File)),
        }),
        Err(e) => Err(Problem {
            origin: e.span().map_or(Origin::WholeFile, |s| Origin::File(s.start)),
            path: String::new(),
            message: format!("invalid TOML: {}", e.message()),
        }),
    }
}

/// Converts a parsed value; `origin` maps a span start to an origin.
fn convert(value: Spanned<DeValue<'_>>, origin: &dyn Fn(usize) -> Origin) -> Node {
    let at = origin(value.span().start);
    let value = match value.into_inner() {
        DeValue::String(s) => Value::Str(s.into_owned()),
        DeValue::Integer(n) => match i128::from_str_radix(n.as_str(), n.radix()) {
            Ok(n) => Value::Int(n),
            Err(_) => Value::Other(format!("integer {n} (out of range)")),
        },
        DeValue::Float(x) => match parse_float(x.as_str()) {
            Some(x) => Value::Float(x),
            None => Value::Other(format!("float {x} (unreadable)")),
        },
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Other(format!("datetime {d}")),
        DeValue::Array(items) => Value::Array(items.into_iter().map(|v| convert(v, origin)).collect()),
        DeValue::Table(table) => Value::Table(convert_table(table, origin)),
    };
    Node { origin: at, value }
}

/// `toml`'s map is sorted by key; sorting by key position restores source
/// order.
fn convert_table(table: DeTable<'_>, origin: &dyn Fn(usize) -> Origin) -> Vec<Entry> {
    let mut entries: Vec<(usize, Entry)> = table
        .into_iter()
        .map(|(key, node)| {
            let start = key.span().start;
            let entry =
                Entry { key: key.into_inner().into_owned(), key_origin: origin(start), node: convert(node, origin) };
            (start, entry)
        })
        .collect();
    entries.sort_by_key(|(start, _)| *start);
    entries.into_iter().map(|(_, e)| e).collect()
}

/// TOML floats as the parser hands them over: decimal or exponent notation
/// without underscores, or `inf`/`nan` with an optional sign.
fn parse_float(text: &str) -> Option<f64> {
    let unsigned = text.trim_start_matches(['+', '-']);
    let negative = text.starts_with('-');
    match unsigned {
        "nan" => Some(f64::NAN),
        "inf" if negative => Some(f64::NEG_INFINITY),
        "inf" => Some(f64::INFINITY),
        _ => text.parse().ok(),
    }
}

/// Applies `--set` argument number `index` (`PATH=VALUE`) to `root`.
pub(crate) fn apply_override(root: &mut Node, index: usize, argument: &str) -> Result<(), Problem> {
    let fail = |path: &str, message: String| Problem { origin: Origin::Set(index), path: path.to_string(), message };
    let Some((path, raw)) = argument.split_once('=') else {
        return Err(fail("", "expected PATH=VALUE (e.g. stream.shard_count=12), found no `=`".into()));
    };
    let segments: Vec<&str> = path.trim().split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(fail("", format!("key path {} has an empty segment", quote(path))));
    }
    let value = parse_override_value(raw.trim(), index);
    set_path(root, &segments, value, Origin::Set(index)).map_err(|(path, message)| fail(&path, message))
}

/// VALUE as a TOML value if it is one (`5000`, `"x"`, `{ dist = "fixed" }`),
/// else as a bare string (`poisson`).
pub(super) fn parse_override_value(raw: &str, index: usize) -> Node {
    let document = format!("v = {raw}");
    if let Ok(table) = DeTable::parse(&document) {
        let mut entries = table.into_inner().into_iter();
        // Exactly one key: `1\nw = 2` must not smuggle in a second key.
        if let (Some((key, value)), None) = (entries.next(), entries.next())
            && key.get_ref() == "v"
        {
            return convert(value, &|_| Origin::Set(index));
        }
    }
    Node { origin: Origin::Set(index), value: Value::Str(raw.to_string()) }
}

/// Error from walking an override path: the display path reached and why it
/// cannot go on.
pub(super) type WalkError = (String, String);

pub(super) fn set_path(root: &mut Node, segments: &[&str], value: Node, origin: Origin) -> Result<(), WalkError> {
    let mut node = root;
    let mut shown = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let next = segments.get(i + 1);
        let Some(next) = next else {
            return set_child(node, segment, value, &shown, origin);
        };
        let next_is_index = next.parse::<usize>().is_ok();
        node = child_mut(node, segment, next_is_index, &mut shown, origin)?;
    }
    Ok(())
}

/// Steps into `segment`, creating a missing table.
fn child_mut<'n>(
    node: &'n mut Node,
    segment: &str,
    next_is_index: bool,
    shown: &mut String,
    origin: Origin,
) -> Result<&'n mut Node, WalkError> {
    let parent = shown.clone();
    match &mut node.value {
        Value::Table(entries) => {
            *shown = key_path(&parent, segment);
            let position = match entries.iter().position(|e| e.key == segment) {
                Some(position) => position,
                None if next_is_index => {
                    return Err((shown.clone(), "no such array to index".into()));
                }
                None => {
                    entries.push(Entry {
                        key: segment.to_string(),
                        key_origin: origin,
                        node: Node { origin, value: Value::Table(Vec::new()) },
                    });
                    entries.len() - 1
                }
            };
            Ok(&mut entries[position].node)
        }
        Value::Array(items) => {
            let i = array_index(items.len(), segment, &parent)?;
            *shown = index_path(&parent, i);
            Ok(&mut items[i])
        }
        other => Err(not_a_container(&parent, other)),
    }
}

/// Sets `segment` of `node` to `value`, replacing any value there.
fn set_child(node: &mut Node, segment: &str, value: Node, parent: &str, origin: Origin) -> Result<(), WalkError> {
    match &mut node.value {
        Value::Table(entries) => {
            let entry = Entry { key: segment.to_string(), key_origin: origin, node: value };
            match entries.iter_mut().find(|e| e.key == segment) {
                Some(existing) => *existing = entry,
                None => entries.push(entry),
            }
            Ok(())
        }
        Value::Array(items) => {
            let i = array_index(items.len(), segment, parent)?;
            items[i] = value;
            Ok(())
        }
        other => Err(not_a_container(parent, other)),
    }
}

fn array_index(len: usize, segment: &str, parent: &str) -> Result<usize, WalkError> {
    match segment.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        Ok(i) => Err((
            index_path(parent, i),
            format!("index {i} is past the end: `{parent}` has {len} element(s), indexed from 0"),
        )),
        Err(_) => {
            Err((parent.to_string(), format!("is an array; expected an index (0, 1, …), got {}", quote(segment))))
        }
    }
}

fn not_a_container(path: &str, value: &Value) -> WalkError {
    (path.to_string(), format!("holds {}, not a table; cannot set keys inside it", value.describe()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i128, origin: Origin) -> Node {
        Node { origin, value: Value::Int(n) }
    }

    #[test]
    fn converts_values_with_offsets_in_source_order() {
        let root = parse_document("b = 0x1F\na = -inf\nc = [\"x\"]\n").expect("valid");
        let Value::Table(entries) = &root.value else { panic!("root is a table") };
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(entries[0].node, int(31, Origin::File(4)));
        assert_eq!(entries[1].key_origin, Origin::File(9));
        assert_eq!(entries[1].node.value, Value::Float(f64::NEG_INFINITY));
    }

    #[test]
    fn nan_huge_integers_and_datetimes_do_not_panic() {
        let root =
            parse_document("a = nan\nb = 99999999999999999999999999999999999999999\nc = 1979-05-27\n").expect("valid");
        assert!(matches!(root.get("a").map(|n| &n.value), Some(Value::Float(x)) if x.is_nan()));
        assert!(matches!(root.get("b").map(|n| &n.value), Some(Value::Other(d)) if d.contains("out of range")));
        assert_eq!(root.get("c").map(|n| n.value.describe()), Some("datetime 1979-05-27".into()));
    }

    #[test]
    fn syntax_error_points_at_the_offending_byte() {
        let problem = parse_document("a = 1\nb = = 2\n").expect_err("invalid");
        assert_eq!(problem.origin, Origin::File(10));
        assert!(problem.message.starts_with("invalid TOML: "));
    }

    #[test]
    fn override_values_parse_as_toml_or_fall_back_to_bare_strings() {
        assert_eq!(parse_override_value("5000", 0).value, Value::Int(5000));
        assert_eq!(parse_override_value("poisson", 0).value, Value::Str("poisson".into()));
        assert_eq!(parse_override_value("1\nw = 2", 0).value, Value::Str("1\nw = 2".into()));
        let table = parse_override_value("{ dist = \"fixed\", bytes = 100 }", 3);
        assert_eq!(table.get("bytes"), Some(&int(100, Origin::Set(3))));
    }

    #[test]
    fn overrides_create_tables_and_index_arrays() {
        let mut root = parse_document("[[p]]\nx = 1\n").expect("valid");
        apply_override(&mut root, 0, "p.0.sdk.linger_ms=10").expect("applies");
        apply_override(&mut root, 1, "p.0.x=2").expect("applies");
        let p0 = root.get("p").and_then(|p| match &p.value {
            Value::Array(items) => items.first(),
            _ => None,
        });
        let p0 = p0.expect("p[0]");
        assert_eq!(p0.get("x"), Some(&int(2, Origin::Set(1))));
        assert_eq!(p0.get("sdk").and_then(|s| s.get("linger_ms")), Some(&int(10, Origin::Set(0))));
    }

    #[test]
    fn bad_override_paths_are_reported() {
        let mut root = parse_document("[[p]]\nx = 1\n").expect("valid");
        let message = |arg: &str| {
            let mut root = root.clone();
            apply_override(&mut root, 0, arg).map(|_| ()).map_err(|p| (p.path, p.message))
        };
        assert_eq!(message("p.1.x=1").unwrap_err().0, "p[1]");
        assert!(message("p.one=1").unwrap_err().1.contains("expected an index"));
        assert!(message("p.0.x.y=1").unwrap_err().1.contains("not a table"));
        assert!(message("q.0.x=1").unwrap_err().1.contains("no such array"));
        assert!(message("p.0.x").unwrap_err().1.contains("no `=`"));
        assert!(message("p..x=1").unwrap_err().1.contains("empty segment"));
        assert!(apply_override(&mut root, 0, "p.0=5").is_ok());
    }
}
