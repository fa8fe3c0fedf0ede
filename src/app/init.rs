//! `shardsim init [TEMPLATE]`: writes a commented starting scenario — one of
//! the files in `templates/`, carried in the binary — to standard output or
//! to a new file. Each template is a complete scenario that passes `check`.
//!
//! A template's first line is a `#:schema` directive naming the shipped
//! schema relative to `templates/`, for editors inside this repository; a
//! file written elsewhere gets the directive only when `--schema PATH`
//! says where the schema is from there, since a wrong path would make the
//! editor report an error of its own.

use std::fs;
use std::io::Write as _;

use crate::cli::{InitArgs, Template};

/// The directive TOML editors (Taplo, Even Better TOML) read a schema from.
pub const SCHEMA_DIRECTIVE: &str = "#:schema ";

/// Every template, in the order `--help` lists them.
pub const TEMPLATES: [Template; 5] =
    [Template::Basic, Template::HotKey, Template::Kpl, Template::Consumers, Template::Sweep];

/// A template's text as shipped in `templates/`.
pub fn template(t: Template) -> &'static str {
    match t {
        Template::Basic => include_str!("../../templates/basic.toml"),
        Template::HotKey => include_str!("../../templates/hot-key.toml"),
        Template::Kpl => include_str!("../../templates/kpl.toml"),
        Template::Consumers => include_str!("../../templates/consumers.toml"),
        Template::Sweep => include_str!("../../templates/sweep.toml"),
    }
}

/// The file name a template has in `templates/`.
pub fn file_name(t: Template) -> &'static str {
    match t {
        Template::Basic => "basic.toml",
        Template::HotKey => "hot-key.toml",
        Template::Kpl => "kpl.toml",
        Template::Consumers => "consumers.toml",
        Template::Sweep => "sweep.toml",
    }
}

/// What `init` writes: the template with its `#:schema` line replaced by
/// one naming `schema`, or removed when there is none.
pub fn render(t: Template, schema: Option<&str>) -> String {
    let text = template(t);
    let body = match text.split_once('\n') {
        Some((first, rest)) if first.starts_with(SCHEMA_DIRECTIVE) => rest,
        _ => text,
    };
    match schema {
        Some(path) => format!("{SCHEMA_DIRECTIVE}{path}\n{body}"),
        None => body.to_string(),
    }
}

/// Runs `shardsim init`.
pub(super) fn run(args: &InitArgs) -> Result<(), String> {
    if let Some(path) = &args.schema
        && (path.trim().is_empty() || path.contains('\n'))
    {
        return Err(format!("--schema {path:?}: expected a path or URL on one line"));
    }
    let text = render(args.template, args.schema.as_deref());
    let Some(out) = &args.output else {
        let mut stdout = std::io::stdout().lock();
        return stdout.write_all(text.as_bytes()).map_err(|e| format!("standard output: {e}"));
    };
    let shown = out.display();
    if out.is_dir() {
        return Err(format!("{shown}: is a folder; name the scenario file to write"));
    }
    if out.exists() && !args.force {
        return Err(format!("{shown}: already exists; pass --force to replace it"));
    }
    // Written beside its place and renamed, so no half-written file is left.
    let tmp = out.with_extension("toml.tmp");
    fs::write(&tmp, &text).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    fs::rename(&tmp, out).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("{shown}: cannot write: {e}")
    })?;
    eprintln!("wrote {shown}; check it with `shardsim check {shown}`");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directive_is_replaced_or_removed() {
        for t in TEMPLATES {
            let shipped = template(t);
            assert!(shipped.starts_with("#:schema ../schemas/scenario.schema.json\n"), "{}", file_name(t));
            let bare = render(t, None);
            assert!(!bare.contains("#:schema") && shipped.ends_with(&bare), "{}", file_name(t));
            assert_eq!(render(t, Some("s.json")), format!("#:schema s.json\n{bare}"));
        }
    }
}
