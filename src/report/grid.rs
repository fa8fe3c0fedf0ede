//! A table of strings rendered as aligned plain text (terminal), as a
//! GitHub-flavoured Markdown table or as an HTML table, so every format
//! shares one layout.

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// Headers, alignments and rows of cells.
#[derive(Clone, Debug, Default)]
pub struct Grid {
    headers: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Grid {
    /// A grid with the given `(header, alignment)` columns.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Grid {
            headers: columns.iter().map(|(h, _)| h.to_string()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (one cell per column).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    fn widths(&self) -> Vec<usize> {
        (0..self.headers.len())
            .map(|c| {
                let cells = self.rows.iter().map(|r| r[c].chars().count());
                cells.chain([self.headers[c].chars().count()]).max().unwrap_or(0)
            })
            .collect()
    }

    fn line(&self, cells: &[String], widths: &[usize], sep: &str) -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .zip(&self.align)
            .map(|((c, w), a)| match a {
                Align::Left => format!("{c:<w$}"),
                Align::Right => format!("{c:>w$}"),
            })
            .collect();
        padded.join(sep).trim_end().to_string()
    }

    /// Aligned plain text, two spaces between columns, indented by `indent`.
    pub fn to_text(&self, indent: &str) -> String {
        let w = self.widths();
        // A key/value grid has no headers: print no empty header line.
        let headers = self.headers.iter().any(|h| !h.is_empty()).then_some(&self.headers);
        headers.into_iter().chain(&self.rows).map(|r| format!("{indent}{}\n", self.line(r, &w, "  "))).collect()
    }

    /// A Markdown table.
    pub fn to_markdown(&self) -> String {
        let w = self.widths();
        let rule: Vec<String> = w
            .iter()
            .zip(&self.align)
            .map(|(w, a)| match a {
                Align::Left => format!(":{}", "-".repeat((*w).max(2) - 1)),
                Align::Right => format!("{}:", "-".repeat((*w).max(2) - 1)),
            })
            .collect();
        let mut out = format!("| {} |\n", self.line(&self.headers, &w, " | "));
        out.push_str(&format!("|{}|\n", rule.iter().map(|r| format!(" {r} ")).collect::<Vec<_>>().join("|")));
        for r in &self.rows {
            out.push_str(&format!("| {} |\n", self.line(r, &w, " | ")));
        }
        out
    }

    /// An HTML table; number columns are classed `num` (right-aligned by
    /// the page's style). A grid without headers is a list of key/value
    /// rows: its first cell is the row's header.
    pub fn to_html(&self, esc: impl Fn(&str) -> String) -> String {
        let class = |a: &Align| if *a == Align::Right { " class=\"num\"" } else { "" };
        let mut out = String::from("<table>\n");
        let keyed = self.headers.iter().all(String::is_empty);
        if !keyed {
            out.push_str("<thead><tr>");
            for (h, a) in self.headers.iter().zip(&self.align) {
                out.push_str(&format!("<th scope=\"col\"{}>{}</th>", class(a), esc(h)));
            }
            out.push_str("</tr></thead>\n");
        }
        out.push_str("<tbody>\n");
        for r in &self.rows {
            out.push_str("<tr>");
            for (i, (c, a)) in r.iter().zip(&self.align).enumerate() {
                match keyed && i == 0 {
                    true => out.push_str(&format!("<th scope=\"row\">{}</th>", esc(c))),
                    false => out.push_str(&format!("<td{}>{}</td>", class(a), esc(c))),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_markdown_align_columns() {
        let mut g = Grid::new(&[("name", Align::Left), ("n", Align::Right)]);
        g.row(vec!["a".into(), "1000".into()]);
        g.row(vec!["bbbbbb".into(), "2".into()]);
        assert_eq!(g.to_text(""), "name       n\na       1000\nbbbbbb     2\n");
        let md = g.to_markdown();
        assert!(md.starts_with("| name   |    n |\n| :----- | ---: |\n"), "{md}");
        let html = g.to_html(|s| s.replace('<', "&lt;"));
        assert!(html.contains("<th scope=\"col\">name</th><th scope=\"col\" class=\"num\">n</th>"), "{html}");
        assert!(html.contains("<tr><td>a</td><td class=\"num\">1000</td></tr>"), "{html}");
        let mut kv = Grid::new(&[("", Align::Left), ("", Align::Left)]);
        kv.row(vec!["capacity".into(), "<1 MiB/s".into()]);
        assert_eq!(
            kv.to_html(|s| s.replace('<', "&lt;")),
            "<table>\n<tbody>\n<tr><th scope=\"row\">capacity</th><td>&lt;1 MiB/s</td></tr>\n</tbody>\n</table>\n"
        );
    }
}
