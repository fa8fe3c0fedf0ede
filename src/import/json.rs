//! Reading JSON exports: parsing with syntax errors placed at line:column,
//! and walking the document while carrying each value's path
//! (`$.Shards[3].ShardId`), so that every later problem is reported where
//! it is in the file.

use serde_json::{Map, Value};

use super::{DataError, location};

/// Parses `text` as one JSON document.
pub(super) fn parse(text: &str) -> Result<Value, DataError> {
    serde_json::from_str(text).map_err(|err| syntax_error(text, 0, &err))
}

/// Parses the one JSON value that starts at byte `start` of `text` and
/// ignores whatever follows it (a script around an embedded report).
pub(super) fn parse_embedded(text: &str, start: usize) -> Result<Value, DataError> {
    let rest = text.get(start..).unwrap_or_default();
    match serde_json::Deserializer::from_str(rest).into_iter::<Value>().next() {
        Some(Ok(value)) => Ok(value),
        Some(Err(err)) => Err(syntax_error(text, start, &err)),
        None => Err(DataError::at(location(text, start), "expected a JSON value here, found the end of the file")),
    }
}

/// A serde_json error in the text that starts at byte `base` of `text`,
/// moved to `text`'s line:column in characters (serde_json counts bytes).
fn syntax_error(text: &str, base: usize, err: &serde_json::Error) -> DataError {
    let rest = text.get(base..).unwrap_or_default();
    let line_start = match err.line() {
        0 | 1 => 0,
        line => rest.match_indices('\n').nth(line - 2).map_or(rest.len(), |(i, _)| i + 1),
    };
    let at = base + line_start + err.column().saturating_sub(1);
    // serde_json's message ends with its own byte position; ours replaces it.
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    DataError::at(location(text, at), format!("this is not valid JSON: {message}"))
}

/// What kind of value `value` is, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The keys of an object, as `` `a`, `b` `` for messages.
pub(super) fn key_list(object: &Map<String, Value>) -> String {
    if object.is_empty() {
        return "none".to_string();
    }
    object.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// A value in a document and the path that leads to it.
#[derive(Clone, Debug)]
pub(super) struct Node<'a> {
    pub value: &'a Value,
    pub path: String,
}

impl<'a> Node<'a> {
    /// The whole document, `$`.
    pub fn root(value: &'a Value) -> Self {
        Node { value, path: "$".to_string() }
    }

    /// A problem with this value.
    pub fn error(&self, message: impl Into<String>) -> DataError {
        DataError::at(self.path.clone(), message)
    }

    /// This value as an object.
    pub fn object(&self) -> Result<&'a Map<String, Value>, DataError> {
        self.value.as_object().ok_or_else(|| self.error(format!("expected an object, found {}", kind(self.value))))
    }

    /// Member `key`, or `None` when it is absent or null (AWS leaves out
    /// what has no value, and some writers print null instead).
    pub fn get(&self, key: &str) -> Result<Option<Node<'a>>, DataError> {
        Ok(self.object()?.get(key).filter(|v| !v.is_null()).map(|value| Node { value, path: self.member(key) }))
    }

    /// Member `key`, which must be there.
    pub fn field(&self, key: &str) -> Result<Node<'a>, DataError> {
        match self.get(key)? {
            Some(node) => Ok(node),
            None => {
                Err(self.error(format!("`{key}` is missing or null (this object has {})", key_list(self.object()?))))
            }
        }
    }

    /// The entries of this array.
    pub fn items(&self) -> Result<Vec<Node<'a>>, DataError> {
        let array = self
            .value
            .as_array()
            .ok_or_else(|| self.error(format!("expected an array, found {}", kind(self.value))))?;
        Ok(array.iter().enumerate().map(|(i, value)| Node { value, path: format!("{}[{i}]", self.path) }).collect())
    }

    /// This value as a string.
    pub fn str(&self) -> Result<&'a str, DataError> {
        self.value.as_str().ok_or_else(|| self.error(format!("expected a string, found {}", kind(self.value))))
    }

    /// This value as a number >= 0 (JSON numbers are always finite).
    pub fn amount(&self) -> Result<f64, DataError> {
        let number = self
            .value
            .as_f64()
            .ok_or_else(|| self.error(format!("expected a number >= 0, found {}", kind(self.value))))?;
        if number < 0.0 {
            return Err(self.error(format!("expected a number >= 0, found {number}")));
        }
        Ok(number)
    }

    /// The path of member `key`.
    fn member(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }
}
