//! The data files a scenario names (rate traces, key tables, shard maps),
//! read through a reader the caller supplies (the core does no I/O) and
//! parsed once per load: every configuration of a sweep shares the parsed
//! data. A file that cannot be read or parsed is reported against the key
//! that names it, with the file's own line and column or JSON path.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::import::keys::{self, KeyTable};
use crate::import::shards::{self, ShardTable};
use crate::import::trace::{self, Trace, TraceOptions};
use crate::scenario::model::FileRef;

/// Reads the file a scenario names: `(path as written, whether it came from
/// --set)` → its text, or a message naming the path it tried.
pub type Reader = dyn Fn(&str, bool) -> Result<String, String>;

/// A parsed file, or why it is not.
type Parsed<T> = Result<Arc<T>, String>;

/// Which file: its path as written and where it was written.
type Key = (String, bool);

/// Which trace: its file, its bytes file, and how it is read.
type TraceKey = (Key, Option<Key>, TraceOptions);

/// The data files of one load.
pub struct DataFiles {
    read: Box<Reader>,
    strict: bool,
    traces: RefCell<Vec<(TraceKey, Parsed<Trace>)>>,
    keys: RefCell<HashMap<Key, Parsed<KeyTable>>>,
    shards: RefCell<HashMap<Key, Parsed<ShardTable>>>,
    warnings: RefCell<Vec<String>>,
}

impl Default for DataFiles {
    fn default() -> Self {
        DataFiles::none()
    }
}

impl std::fmt::Debug for DataFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataFiles").field("strict", &self.strict).finish_non_exhaustive()
    }
}

fn key(file: &FileRef) -> Key {
    (file.path.clone(), file.from_command_line)
}

impl DataFiles {
    /// Files read by `read`; `strict` turns a trace's warnings (an
    /// incomplete CloudWatch export) into errors.
    pub fn new(read: impl Fn(&str, bool) -> Result<String, String> + 'static, strict: bool) -> Self {
        DataFiles {
            read: Box::new(read),
            strict,
            traces: RefCell::default(),
            keys: RefCell::default(),
            shards: RefCell::default(),
            warnings: RefCell::default(),
        }
    }

    /// No files: a scenario loaded from text alone cannot name any.
    pub fn none() -> Self {
        DataFiles::new(
            |path, _| Err(format!("cannot read {path}: this scenario was loaded from text, not from a file")),
            false,
        )
    }

    /// Warnings from the files read so far, each once, in reading order.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.borrow().clone()
    }

    fn text(&self, file: &FileRef) -> Result<String, String> {
        (self.read)(&file.path, file.from_command_line)
    }

    /// The trace in `file` (with bytes from `bytes_file`), read as `options`
    /// say (`strict` is this load's).
    pub(crate) fn trace(&self, file: &FileRef, bytes_file: Option<&FileRef>, options: &TraceOptions) -> Parsed<Trace> {
        let options = TraceOptions { strict: self.strict, ..options.clone() };
        let id = (key(file), bytes_file.map(key), options);
        if let Some((_, parsed)) = self.traces.borrow().iter().find(|(k, _)| *k == id) {
            return parsed.clone();
        }
        let parsed = self.read_trace(file, bytes_file, &id.2);
        if let Ok(t) = &parsed {
            let mut warnings = self.warnings.borrow_mut();
            for w in &t.warnings {
                warnings.push(format!("{}: {w}", file.path));
            }
        }
        self.traces.borrow_mut().push((id, parsed.clone()));
        parsed
    }

    fn read_trace(&self, file: &FileRef, bytes_file: Option<&FileRef>, options: &TraceOptions) -> Parsed<Trace> {
        let text = self.text(file)?;
        let bytes_text = bytes_file.map(|f| self.text(f)).transpose()?;
        let at = |e: crate::import::DataError| match bytes_file {
            Some(b) => format!("{} (with {}): {e}", file.path, b.path),
            None => e.in_file(&file.path),
        };
        trace::parse(&text, bytes_text.as_deref(), options).map(Arc::new).map_err(at)
    }

    /// The key table in `file`.
    pub(crate) fn keys(&self, file: &FileRef) -> Parsed<KeyTable> {
        cached(&self.keys, file, || {
            let text = self.text(file)?;
            keys::parse(&text).map(Arc::new).map_err(|e| e.in_file(&file.path))
        })
    }

    /// The shard map in `file`.
    pub(crate) fn shards(&self, file: &FileRef) -> Parsed<ShardTable> {
        cached(&self.shards, file, || {
            let text = self.text(file)?;
            shards::parse(&text).map(Arc::new).map_err(|e| e.in_file(&file.path))
        })
    }
}

fn cached<T>(cache: &RefCell<HashMap<Key, Parsed<T>>>, file: &FileRef, parse: impl FnOnce() -> Parsed<T>) -> Parsed<T> {
    if let Some(parsed) = cache.borrow().get(&key(file)) {
        return parsed.clone();
    }
    let parsed = parse();
    cache.borrow_mut().insert(key(file), parsed.clone());
    parsed
}
