//! Scenario diagnostics: the problems found while loading a scenario, where
//! each one is (file line:column, `--set` argument, or the whole file), and
//! how they are rendered — one problem per line, in source order.
//!
//! Validation collects raw [`Problem`]s (tree origins and key paths) in a
//! [`Sink`]; [`ScenarioErrors::new`] turns them into user-facing
//! [`Diagnostic`]s once, at the end, so line/column lookup happens in one
//! place.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::files::DataFiles;

use super::tree::Origin;

/// Where a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (e.g. a required table is absent).
    WholeFile,
    /// A position in the scenario file: 1-based line and 1-based column,
    /// counted in characters.
    File { line: usize, column: usize },
    /// A command-line argument: its 0-based position among the `--set` and
    /// `--sweep` arguments, and its text with its flag (`--set a.b=1`).
    Set { index: usize, argument: String },
}

impl Location {
    /// Whole-file problems first, then file positions, then `--set`
    /// arguments in command-line order.
    fn sort_key(&self) -> (u8, usize, usize) {
        match self {
            Location::WholeFile => (0, 0, 0),
            Location::File { line, column } => (1, *line, *column),
            Location::Set { index, .. } => (2, *index, 0),
        }
    }
}

/// One problem with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where it is.
    pub location: Location,
    /// The key path, e.g. `producers[1].records_per_s`; empty for problems
    /// that concern no key (TOML syntax, a malformed `--set`).
    pub path: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

/// Every problem found in a scenario (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioErrors {
    source_name: String,
    diagnostics: Vec<Diagnostic>,
}

impl ScenarioErrors {
    /// Locates `problems` in `text` / `arguments` (command-line arguments
    /// with their flags, in `Origin::Set` order), sorts them by position and
    /// drops repeats (each sweep point reports a shared problem again).
    pub(crate) fn new(source_name: &str, text: &str, arguments: &[String], problems: Vec<Problem>) -> ScenarioErrors {
        let lines = LineIndex::new(text);
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        for p in problems {
            let d = Diagnostic { location: locate(p.origin, &lines, arguments), path: p.path, message: p.message };
            if !diagnostics.contains(&d) {
                diagnostics.push(d);
            }
        }
        // Stable: problems at the same position keep the order found.
        diagnostics.sort_by_key(|d| d.location.sort_key());
        ScenarioErrors { source_name: source_name.to_string(), diagnostics }
    }

    /// The problems, in source order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The file name used in messages.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    fn render(&self, d: &Diagnostic, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &d.location {
            Location::WholeFile => write!(f, "{}: ", self.source_name)?,
            Location::File { line, column } => write!(f, "{}:{line}:{column}: ", self.source_name)?,
            Location::Set { argument, .. } => write!(f, "{argument}: ")?,
        }
        if !d.path.is_empty() {
            write!(f, "{}: ", d.path)?;
        }
        // Messages quote user text with `{:?}`, so they hold no newline.
        write!(f, "{}", d.message)
    }
}

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            self.render(d, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

/// A problem as validation sees it: a tree origin rather than a location.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Problem {
    pub origin: Origin,
    pub path: String,
    pub message: String,
}

/// Collects problems. Shared by reference (interior mutability) so that
/// nested table readers can all report into it at once. It also carries
/// the load's data files, which every reader may need.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    problems: RefCell<Vec<Problem>>,
    files: Rc<DataFiles>,
}

impl Sink {
    /// A sink whose readers read data files through `files`.
    pub fn with_files(files: Rc<DataFiles>) -> Self {
        Sink { problems: RefCell::default(), files }
    }

    /// The load's data files.
    pub fn files(&self) -> &DataFiles {
        &self.files
    }

    pub fn report(&self, origin: Origin, path: impl Into<String>, message: impl Into<String>) {
        self.push(Problem { origin, path: path.into(), message: message.into() });
    }

    pub fn push(&self, problem: Problem) {
        self.problems.borrow_mut().push(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.problems.borrow().is_empty()
    }

    pub fn into_problems(self) -> Vec<Problem> {
        self.problems.into_inner()
    }
}

fn locate(origin: Origin, lines: &LineIndex, overrides: &[String]) -> Location {
    match origin {
        Origin::WholeFile => Location::WholeFile,
        Origin::File(offset) => lines.locate(offset),
        Origin::Set(index) => Location::Set { index, argument: overrides.get(index).cloned().unwrap_or_default() },
    }
}

/// Byte offsets of line starts, so each diagnostic costs a binary search
/// rather than a scan of the file.
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> LineIndex<'t> {
        let newlines = text.match_indices('\n').map(|(i, _)| i + 1);
        LineIndex { text, starts: std::iter::once(0).chain(newlines).collect() }
    }

    fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        // Columns count characters; a span off a char boundary (never
        // produced by the parser) falls back to counting bytes.
        let column = match self.text.get(start..offset) {
            Some(prefix) => prefix.chars().count(),
            None => offset - start,
        } + 1;
        Location::File { line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(origin: Origin, path: &str) -> Problem {
        Problem { origin, path: path.into(), message: "bad".into() }
    }

    #[test]
    fn locations_are_one_based_lines_and_character_columns() {
        let lines = LineIndex::new("ab\né = 1\n");
        assert_eq!(lines.locate(0), Location::File { line: 1, column: 1 });
        assert_eq!(lines.locate(3), Location::File { line: 2, column: 1 });
        // `=` is byte 6 but character 3 of line 2 (`é` is two bytes).
        assert_eq!(lines.locate(6), Location::File { line: 2, column: 3 });
        assert_eq!(lines.locate(999), Location::File { line: 3, column: 1 });
    }

    #[test]
    fn renders_sorted_one_per_line() {
        let errors = ScenarioErrors::new(
            "x.toml",
            "a = 1\nb = 2\n",
            &["--set c=3".to_string()],
            vec![
                problem(Origin::Set(0), "c"),
                problem(Origin::File(10), "b"),
                problem(Origin::File(0), "a"),
                problem(Origin::WholeFile, "d"),
            ],
        );
        assert_eq!(errors.to_string(), "x.toml: d: bad\nx.toml:1:1: a: bad\nx.toml:2:5: b: bad\n--set c=3: c: bad");
    }
}
