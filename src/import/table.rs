//! Reading CSV exports with the csv crate (quoted or not), and placing a
//! problem at the line:column of a field: the crate tells where a record
//! starts, not where each of its fields does.

use super::{DataError, location};

/// One record of a CSV file, the header included.
pub(super) struct Row {
    /// The fields, unquoted.
    pub fields: csv::StringRecord,
    /// Byte offset of the record's first character.
    pub start: usize,
    /// 1-based line the record starts on.
    pub line: u64,
}

/// Every record of `text` in file order, the header first, one at a time
/// (a key table may have millions). Blank lines (also ones holding only
/// spaces) are skipped: editors leave them at the end of files.
pub(super) fn rows(text: &str, trim: csv::Trim) -> impl Iterator<Item = Result<Row, DataError>> + '_ {
    let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(trim).from_reader(text.as_bytes());
    reader.into_records().filter_map(move |record| {
        let fields = match record {
            Ok(fields) => fields,
            Err(err) => {
                let at = err.position().map_or_else(|| location(text, text.len()), |p| location(text, byte(p)));
                return Some(Err(DataError::at(at, format!("this is not valid CSV: {err}"))));
            }
        };
        if fields.len() == 1 && fields[0].trim().is_empty() {
            return None;
        }
        // The reader records every record's position.
        let (start, line) = fields.position().map_or((text.len(), 0), |p| (byte(p), p.line()));
        Some(Ok(Row { start, line, fields }))
    })
}

/// A csv byte offset as an index (a file that fits in memory fits usize).
fn byte(position: &csv::Position) -> usize {
    usize::try_from(position.byte()).unwrap_or(usize::MAX)
}

impl Row {
    /// `line:column` of field `index` (0-based) in `text`; the end of the
    /// record when it has fewer fields, which is where one is missing.
    pub fn at(&self, text: &str, index: usize) -> String {
        field_at(text, self.start, index)
    }
}

/// `line:column` of field `index` (0-based) of the record starting at byte
/// `start` of `text`; the end of the record when it has fewer fields.
pub(super) fn field_at(text: &str, start: usize, index: usize) -> String {
    let rest = text.get(start..).unwrap_or_default();
    let mut field = 0;
    let mut quoted = false;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if field == index {
            return location(text, start + i);
        }
        match c {
            // A doubled quote inside a quoted field toggles twice.
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            '\n' | '\r' if !quoted => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    location(text, start + end)
}

/// `field` as a finite number >= 0, or why not.
pub(super) fn amount(field: &str) -> Result<f64, String> {
    match field.trim().parse::<f64>() {
        Ok(number) if number.is_finite() && number >= 0.0 => Ok(number),
        Ok(number) if number.is_finite() => Err(format!("expected a number >= 0, found {number}")),
        _ if field.trim().is_empty() => Err("expected a finite number, found an empty field".to_string()),
        _ => Err(format!("expected a finite number, found `{field}`")),
    }
}
