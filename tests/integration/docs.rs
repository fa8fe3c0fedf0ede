//! README.md and docs/*.md: the README stays short, every relative link and
//! image resolves (`#anchor`s by GitHub's heading slugs), and every
//! `shardsim` command line in their code blocks parses with the real CLI
//! definition and names scenario files that exist.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use clap::{CommandFactory, Parser};
use shardsim::cli::Cli;

use crate::common::shell_words;

/// Most lines the README may have.
const README_MAX_LINES: usize = 300;

/// The commands CI runs, as the README must write them.
const CI_COMMANDS: [&str; 2] = ["cargo test --locked", "cargo run --release -- run scenarios/quickstart.toml"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// README.md and every docs/*.md, as paths from the repository root.
fn markdown_files() -> Vec<String> {
    let mut out = vec!["README.md".to_string()];
    let mut docs: Vec<String> = fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    assert!(!docs.is_empty(), "no docs/*.md");
    out.extend(docs);
    out
}

// ------------------------------------------------------------- markdown

/// A fenced code block: its info string (`sh`, `text`, or empty), the
/// 1-based line of its first content line, and its lines.
struct Block {
    info: String,
    first_line: usize,
    lines: Vec<String>,
}

/// Splits a markdown text into its prose (code blocks blanked, so line
/// numbers stay) and its fenced code blocks.
fn split_markdown(text: &str) -> (String, Vec<Block>) {
    let mut prose = String::new();
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, open.take()) {
            (Some(info), None) => {
                let info = info.split_whitespace().next().unwrap_or("").to_lowercase();
                open = Some(Block { info, first_line: n + 2, lines: Vec::new() });
            }
            (Some(_), Some(block)) => blocks.push(block),
            (None, Some(mut block)) => {
                block.lines.push(line.to_string());
                open = Some(block);
            }
            (None, None) => prose.push_str(line),
        }
        prose.push('\n');
    }
    assert!(open.is_none(), "a code block is never closed");
    (prose, blocks)
}

/// `text` with inline code spans blanked (newlines kept).
fn without_inline_code(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut inside: Option<usize> = None;
    while i < chars.len() {
        if chars[i] == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            match inside {
                None => inside = Some(run),
                Some(open) if open == run => inside = None,
                Some(_) => {}
            }
            out.extend(std::iter::repeat_n(' ', run));
            i += run;
            continue;
        }
        out.push(if inside.is_some() && chars[i] != '\n' { ' ' } else { chars[i] });
        i += 1;
    }
    out
}

/// GitHub's anchor for a heading: lower case, letters, digits, `-` and `_`
/// kept, spaces made `-`, everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a markdown text's headings; a repeated slug gets `-1`,
/// `-2`, … as on GitHub.
fn anchors(text: &str) -> BTreeSet<String> {
    let (prose, _) = split_markdown(text);
    let mut out = BTreeSet::new();
    for line in prose.lines() {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let mut anchor = base.clone();
        let mut n = 0;
        while out.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        out.insert(anchor);
    }
    out
}

/// Every link and image target in the prose, with its 1-based line:
/// `[text](target)`, `![alt](target)` (alt text may span lines) and
/// reference definitions `[name]: target`.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let (prose, _) = split_markdown(text);
    let prose = without_inline_code(&prose);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = prose[from..].find("](") {
        let start = from + at + 2;
        let mut depth = 1;
        let mut end = start;
        for (i, c) in prose[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = start + i;
                break;
            }
        }
        assert!(end > start || prose[start..].starts_with(')'), "unclosed link at byte {start}");
        let target = prose[start..end].split_whitespace().next().unwrap_or("");
        let target = target.trim_start_matches('<').trim_end_matches('>');
        out.push((prose[..start].matches('\n').count() + 1, target.to_string()));
        from = end.max(start);
    }
    for (n, line) in prose.lines().enumerate() {
        let t = line.trim_start();
        let close = t.find(']').filter(|&c| t.starts_with('[') && t[c + 1..].starts_with(':'));
        if let Some(target) = close.and_then(|c| t[c + 2..].split_whitespace().next()) {
            out.push((n + 1, target.to_string()));
        }
    }
    out
}

/// `base/rel` with `.` and `..` resolved, without touching the file system.
fn join_normal(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in base.join(rel).components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

// ------------------------------------------------------------- commands

/// Where one command of a shell line ends.
fn ends_command(word: &str) -> bool {
    matches!(word, "|" | "||" | "&&" | ";" | ")" | "&")
        || word.starts_with('>')
        || word.starts_with("2>")
        || word.starts_with('<')
}

/// `$NAME` and `${NAME}` replaced by `1`, a value any option accepts
/// (command substitutions `$(…)` are left alone).
fn substitute_variables(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let braced = c == '$' && chars.peek() == Some(&'{');
        let named = c == '$' && chars.peek().is_some_and(|&n| n.is_ascii_alphabetic() || n == '_');
        if braced {
            chars.by_ref().take_while(|&n| n != '}').for_each(drop);
            out.push('1');
        } else if named {
            while chars.peek().is_some_and(|&n| n.is_ascii_alphanumeric() || n == '_') {
                chars.next();
            }
            out.push('1');
        } else {
            out.push(c);
        }
    }
    out
}

/// A command line from a code block: where it is, and the logical line
/// (continuations joined, any `$ ` prompt removed).
struct ShellLine {
    place: String,
    line: String,
}

/// The command lines of a file's code blocks: every line of `sh`, `bash`,
/// `shell` and `zsh` blocks, and in other blocks (terminal transcripts)
/// the lines after a `$ ` prompt. Lines ending in `\` continue on the next.
fn shell_lines(path: &str, blocks: &[Block]) -> Vec<ShellLine> {
    let mut out = Vec::new();
    for block in blocks {
        let script = matches!(block.info.as_str(), "sh" | "bash" | "shell" | "zsh");
        let mut i = 0;
        while i < block.lines.len() {
            let first = i;
            let mut line = String::new();
            while i < block.lines.len() {
                let part = &block.lines[i];
                i += 1;
                match part.strip_suffix('\\') {
                    Some(head) => line.push_str(head),
                    None => {
                        line.push_str(part);
                        break;
                    }
                }
                line.push(' ');
            }
            let trimmed = line.trim_start();
            let command = match trimmed.strip_prefix("$ ") {
                Some(rest) => rest,
                None if script => trimmed,
                None => continue,
            };
            let place = format!("{path}:{}", block.first_line + first);
            out.push(ShellLine { place, line: command.to_string() });
        }
    }
    out
}

/// The arguments after `shardsim` (or `…/shardsim`, or `cargo run … --`)
/// of every shardsim invocation on a line, each up to the end of its
/// command (a pipe, a redirection, `;`, `&&`). A redirection's file is not
/// a command, even when it is named `shardsim`.
fn invocations(line: &str) -> Vec<Vec<String>> {
    let words = shell_words(&substitute_variables(line));
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if matches!(w, ">" | ">>" | "<" | "2>" | "2>>") {
            i += 2; // the redirection's file, not a command
            continue;
        }
        let args_from = if w == "shardsim" || w.ends_with("/shardsim") {
            Some(i + 1)
        } else if w == "cargo" && words.get(i + 1).is_some_and(|s| s == "run") {
            let rest = words[i + 2..].iter().take_while(|w| !ends_command(w));
            rest.clone().position(|w| w == "--").map(|p| i + 2 + p + 1)
        } else {
            None
        };
        if let Some(from) = args_from {
            let args: Vec<String> = words[from..].iter().take_while(|w| !ends_command(w)).cloned().collect();
            i = from + args.len();
            if !args.is_empty() {
                out.push(args);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The entries of `text` code blocks' command synopses: a line starting
/// with `shardsim `, with the indented lines after it.
fn synopsis_entries(path: &str, blocks: &[Block]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for block in blocks.iter().filter(|b| b.info == "text") {
        let mut current = false;
        for (n, line) in block.lines.iter().enumerate() {
            if line.starts_with("shardsim ") {
                out.push((format!("{path}:{}", block.first_line + n), line.clone()));
                current = true;
            } else if current && line.starts_with(char::is_whitespace) && !line.trim().is_empty() {
                let last = out.last_mut().unwrap();
                last.1.push(' ');
                last.1.push_str(line.trim());
            } else {
                current = false;
            }
        }
    }
    out
}

/// The long options (`--name`) a synopsis entry names.
fn long_options(entry: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = entry;
    while let Some(at) = rest.find("--") {
        let name: String =
            rest[at + 2..].chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
        if !name.is_empty() {
            out.push(name.clone());
        }
        rest = &rest[at + 2 + name.len()..];
    }
    out
}

// ------------------------------------------------------------------ tests

#[test]
fn the_readme_is_short_and_keeps_the_commands_ci_runs() {
    let text = read("README.md");
    let lines = text.lines().count();
    assert!(lines <= README_MAX_LINES, "README.md has {lines} lines, at most {README_MAX_LINES}: move detail to docs/");
    let (_, blocks) = split_markdown(&text);
    for command in CI_COMMANDS {
        let found = blocks.iter().flat_map(|b| &b.lines).any(|l| l.split(" #").next().unwrap().trim_end() == command);
        assert!(found, "README.md's code blocks no longer hold `{command}`, which CI runs");
    }
}

#[test]
fn every_relative_link_and_image_resolves() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in markdown_files() {
        let text = read(&path);
        let dir = Path::new(&path).parent().unwrap().to_path_buf();
        for (line, target) in link_targets(&text) {
            let place = format!("{path}:{line}: ({target})");
            if target.is_empty() {
                problems.push(format!("{place}: empty link"));
                continue;
            }
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = match target.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (target.as_str(), None),
            };
            let resolved = if file.is_empty() { PathBuf::from(&path) } else { join_normal(&dir, file) };
            if resolved.components().next().is_none() && !file.is_empty() {
                problems.push(format!("{place}: leaves the repository"));
                continue;
            }
            let full = repo().join(&resolved);
            if !full.exists() {
                problems.push(format!("{place}: no file {}", resolved.display()));
                continue;
            }
            if let Some(anchor) = anchor
                && resolved.extension().is_some_and(|e| e == "md")
            {
                let targets = anchors(&fs::read_to_string(&full).unwrap());
                if !targets.contains(anchor) {
                    problems.push(format!("{place}: no heading #{anchor} in {}", resolved.display()));
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} relative links found: is the parser broken?");
    assert!(problems.is_empty(), "broken links:\n{}", problems.join("\n"));
}

#[test]
fn every_shardsim_command_in_the_docs_parses_and_names_existing_scenarios() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in markdown_files() {
        let (_, blocks) = split_markdown(&read(&path));
        for shell in shell_lines(&path, &blocks) {
            for args in invocations(&shell.line) {
                checked += 1;
                let place = format!("{}: {}", shell.place, shell.line.trim());
                if let Err(e) = Cli::try_parse_from(std::iter::once("shardsim".to_string()).chain(args.clone())) {
                    let first = e.to_string().lines().next().unwrap_or("").to_string();
                    problems.push(format!("{place}\n    {first}"));
                }
                for file in args.iter().filter(|a| a.starts_with("scenarios/")) {
                    if !repo().join(file).exists() {
                        problems.push(format!("{place}\n    no file {file}"));
                    }
                }
            }
        }
    }
    assert!(checked >= 30, "only {checked} shardsim commands found: is the parser broken?");
    assert!(problems.is_empty(), "commands the CLI does not accept:\n{}", problems.join("\n"));
}

#[test]
fn the_command_synopsis_lists_every_command_with_options_that_exist() {
    let path = "docs/commands.md";
    let (_, blocks) = split_markdown(&read(path));
    let entries = synopsis_entries(path, &blocks);
    let cli = Cli::command();
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for (place, entry) in &entries {
        let name = entry.split_whitespace().nth(1).unwrap_or("");
        listed.insert(name.to_string());
        let Some(sub) = cli.find_subcommand(name) else {
            problems.push(format!("{place}: no command `shardsim {name}`"));
            continue;
        };
        for option in long_options(entry) {
            if !sub.get_arguments().any(|a| a.get_long() == Some(option.as_str())) {
                problems.push(format!("{place}: `shardsim {name}` has no option --{option}"));
            }
        }
    }
    let readme = read("README.md");
    for sub in cli.get_subcommands().map(|s| s.get_name()) {
        if !listed.contains(sub) {
            problems.push(format!("{path}: the synopsis does not list `shardsim {sub}`"));
        }
        if !readme.contains(&format!("shardsim {sub}")) {
            problems.push(format!("README.md: no example of `shardsim {sub}`"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ------------------------------------------------------- the parsers

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("Charts, `index.html` and `timeseries.csv`"), "charts-indexhtml-and-timeseriescsv");
    assert_eq!(slug("`[[stream.reshard]]` — resharding calls"), "streamreshard--resharding-calls");
    assert_eq!(slug("Walk-through: a day under the scaling utility"), "walk-through-a-day-under-the-scaling-utility");
    let dup = anchors("# A\n\n## Notes\n\n```sh\n# Notes\n```\n\n## Notes\n");
    assert_eq!(dup, ["a", "notes", "notes-1"].map(String::from).into(), "code comments are not headings");
}

#[test]
fn links_are_found_across_lines_and_outside_code() {
    let text = "See [a](x.md#b) and `[not](code.md)`.\n![two\nlines](img.png \"title\")\n\n```\n[no](block.md)\n```\n[ref]: r.md\n";
    let found: Vec<(usize, String)> = link_targets(text);
    let want: Vec<(usize, String)> = vec![(1, "x.md#b".into()), (3, "img.png".into()), (8, "r.md".into())];
    assert_eq!(found, want);
}

#[test]
fn invocations_handle_prompts_continuations_comments_variables_and_pipes() {
    let text = "```sh\nN=4\nshardsim run a.toml --sweep \"x=$N\" \\\n    --out parts/  # note\ncargo run --release -- check b.toml | tee log\n```\n\n```\n$ target/release/shardsim man > shardsim.1\n$ shardsim completions bash > ~/completions/shardsim\nshardsim 0.1.0 · output\n```\n";
    let (_, blocks) = split_markdown(text);
    let lines = shell_lines("t.md", &blocks);
    let all: Vec<Vec<String>> = lines.iter().flat_map(|l| invocations(&l.line)).collect();
    let want: Vec<Vec<String>> = vec![
        vec!["run".into(), "a.toml".into(), "--sweep".into(), "x=1".into(), "--out".into(), "parts/".into()],
        vec!["check".into(), "b.toml".into()],
        vec!["man".into()],
        vec!["completions".into(), "bash".into()],
    ];
    assert_eq!(all, want);
    assert_eq!(lines[1].place, "t.md:3");
}
