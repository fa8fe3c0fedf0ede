//! Labels read back from JSON. The report's words from closed sets — a
//! shard's `state`, an operation's `status`, AWS's exception names, line
//! items' units — are `&'static str` so that code and tests copy and
//! compare them freely. Merging partial reports reads reports back from
//! JSON, which needs such a field from owned text: [`intern`] gives each
//! distinct text one `&'static str` for the life of the process, so memory
//! grows with the number of distinct labels (a few dozen), not with the
//! reports read. The `serde(deserialize_with)` helpers below apply it.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer};

/// A label: `&'static str` under a name, which also keeps serde's derive
/// from taking the field for text borrowed from the input (a `&str` field
/// would tie the reader's lifetime to `'static`).
pub type Label = &'static str;

/// Every label read so far.
static LABELS: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// The one `&'static str` holding `text`.
pub fn intern(text: &str) -> &'static str {
    // A poisoned lock only means another thread panicked mid-insert; the
    // set itself is still a valid set of leaked strings.
    let mut labels = LABELS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&known) = labels.get(text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    labels.insert(leaked);
    leaked
}

/// A label field.
pub fn one<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    Ok(intern(&String::deserialize(d)?))
}

/// An optional label field.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| intern(&s)))
}

/// A list of labels.
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<&'static str>, D::Error> {
    Ok(Vec::<String>::deserialize(d)?.iter().map(|s| intern(s)).collect())
}

/// A map keyed by labels.
pub fn keys<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<&'static str, V>, D::Error> {
    Ok(std::collections::BTreeMap::<String, V>::deserialize(d)?.into_iter().map(|(k, v)| (intern(&k), v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_is_leaked_once() {
        let a = intern(&String::from("on_demand_split"));
        let b = intern(&String::from("on_demand_split"));
        assert_eq!(a, "on_demand_split");
        assert!(std::ptr::eq(a, b), "the second read reuses the first");
    }
}
