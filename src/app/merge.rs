//! `shardsim merge`: the parts `run --partition K/N` wrote, found in the
//! folders (searched recursively) and files given, checked — one
//! scenario, seed, sweep, replication count, N and shardsim version per
//! report folder, no slice missing and none twice — and folded into
//! exactly the folder a single `run` writes, through the same function,
//! with the same standard output and exit code.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::part::Part;
use super::{Published, publish};
use crate::cli::MergeArgs;
use crate::report::Report;
use crate::report::skeleton::Run;

/// Runs `shardsim merge`.
pub fn run(args: &MergeArgs) -> Result<ExitCode, String> {
    let mut files = Vec::new();
    for input in &args.inputs {
        find_parts(input, &mut files)?;
    }
    // A file named twice (or found through its folder as well) counts once.
    let mut seen = BTreeMap::new();
    for f in files {
        let key = fs::canonicalize(&f).unwrap_or_else(|_| f.clone());
        seen.entry(key).or_insert(f);
    }
    if seen.is_empty() {
        let inputs: Vec<String> = args.inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(format!("merge: no report.part-K-of-N.json in {}", inputs.join(", ")));
    }
    let mut by_scenario: BTreeMap<String, Vec<(PathBuf, Part)>> = BTreeMap::new();
    let mut errors = Vec::new();
    for path in seen.into_values() {
        match Part::read(&path) {
            Ok(part) => by_scenario.entry(part.scenario.clone()).or_default().push((path, part)),
            Err(e) => errors.push(e),
        }
    }
    let mut merged = Vec::new();
    for (name, parts) in by_scenario {
        match fold(&name, parts) {
            Ok(m) => merged.push(m),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    // The run's file order: where each file's jobs sat in its job list.
    merged.sort_by(|a, b| (a.first_job, &a.report.scenario.name).cmp(&(b.first_job, &b.report.scenario.name)));
    let published: Vec<Published> =
        merged.iter().map(|m| Published { report: &m.report, text: &m.text, arguments: &m.arguments }).collect();
    let code = publish(&args.out, &published, args.format, args.no_charts, args.quiet)?;
    super::export(&args.export, &merged.iter().map(|m| &m.report).collect::<Vec<_>>())?;
    if !args.quiet {
        let parts: usize = merged.iter().map(|m| m.parts).sum();
        eprintln!("merged {parts} part(s) into {} report(s) in {}", merged.len(), args.out.display());
    }
    Ok(code)
}

/// Part files at `input`: the file itself, or those named
/// `report.part-K-of-N.json` anywhere under the folder.
fn find_parts(input: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = fs::metadata(input).map_err(|e| format!("{}: cannot read: {e}", input.display()))?;
    if !meta.is_dir() {
        out.push(input.to_path_buf());
        return Ok(());
    }
    let entries = fs::read_dir(input).map_err(|e| format!("{}: cannot list folder: {e}", input.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: cannot list folder: {e}", input.display()))?;
        paths.push(entry.path());
    }
    paths.sort();
    for path in paths {
        if path.is_dir() {
            find_parts(&path, out)?;
        } else if path.file_name().and_then(|n| n.to_str()).is_some_and(is_part_name) {
            out.push(path);
        }
    }
    Ok(())
}

/// `report.part-K-of-N.json`, K and N numbers.
fn is_part_name(name: &str) -> bool {
    let Some(middle) = name.strip_prefix("report.part-").and_then(|n| n.strip_suffix(".json")) else { return false };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    middle.split_once("-of-").is_some_and(|(k, n)| digits(k) && digits(n))
}

/// One scenario's report, folded from its parts.
struct Merged {
    report: Report,
    text: String,
    arguments: Vec<String>,
    first_job: u64,
    parts: usize,
}

/// The report of scenario `name` from its `parts`, once they are shown to
/// be the N slices of one run.
fn fold(name: &str, mut parts: Vec<(PathBuf, Part)>) -> Result<Merged, String> {
    parts.sort_by(|a, b| (a.1.part, &a.0).cmp(&(b.1.part, &b.0)));
    check_alike(&parts)?;
    check_complete(name, &parts)?;
    let (_, first) = &parts[0];
    let mut runs: Vec<Option<Run>> = (0..first.jobs).map(|_| None).collect();
    let count = u64::from(first.parts);
    let (text, arguments, first_job, skeleton) =
        (first.text.clone(), first.arguments.clone(), first.first_job, first.skeleton.clone());
    let n_parts = parts.len();
    for (path, part) in parts {
        // The runs slice K of N holds: the file's jobs whose index in the
        // job list is K − 1 modulo N.
        let expected: Vec<u64> =
            (first_job..first_job + part.jobs).filter(|j| j % count == u64::from(part.part - 1)).collect();
        let held: Vec<u64> = part.runs.iter().map(|r| r.job).collect();
        if held != expected {
            return Err(format!(
                "{}: damaged part: it holds runs {held:?} of the job list, but part {} of {} of `{name}` holds {expected:?}",
                path.display(),
                part.part,
                part.parts
            ));
        }
        for r in part.runs {
            let point = r.point.map(|mut p| {
                p.charts = r.charts.unwrap_or_default();
                p
            });
            runs[(r.job - first_job) as usize] = Some((point, r.metrics));
        }
    }
    let runs: Option<Vec<_>> = runs.into_iter().collect();
    let report = runs
        .and_then(|runs| skeleton.report(runs))
        .ok_or_else(|| format!("`{name}`: damaged parts: a configuration lacks its replication 0's results"))?;
    Ok(Merged { report, text, arguments, first_job, parts: n_parts })
}

/// Every part against the first (the lowest K): the same shardsim, N,
/// seeds, replications, scenario digest and place in the job list.
fn check_alike(parts: &[(PathBuf, Part)]) -> Result<(), String> {
    let (first_path, first) = &parts[0];
    for (path, p) in &parts[1..] {
        let differs: Option<(&str, String, String)> = if p.shardsim_version != first.shardsim_version {
            Some(("shardsim version", p.shardsim_version.clone(), first.shardsim_version.clone()))
        } else if p.parts != first.parts {
            Some(("N (the number of parts)", p.parts.to_string(), first.parts.to_string()))
        } else if p.seeds != first.seeds {
            Some(("seeds", format!("{:?}", p.seeds), format!("{:?}", first.seeds)))
        } else if p.replications != first.replications {
            Some(("replications", p.replications.to_string(), first.replications.to_string()))
        } else if p.scenario_digest != first.scenario_digest || p.skeleton != first.skeleton || p.jobs != first.jobs {
            Some((
                "scenario digest (scenario, data files, prices, --set or --sweep)",
                p.scenario_digest.clone(),
                first.scenario_digest.clone(),
            ))
        } else if p.first_job != first.first_job {
            Some((
                "first job (the run had other scenario files before this one)",
                p.first_job.to_string(),
                first.first_job.to_string(),
            ))
        } else {
            None
        };
        if let Some((what, theirs, ours)) = differs {
            return Err(format!(
                "foreign part: {}: {what} {theirs}, but {} has {ours}; the parts of one report come from one \
                 scenario, seed, sweep and shardsim version, cut into the same N",
                path.display(),
                first_path.display()
            ));
        }
    }
    Ok(())
}

/// Most missing parts named one by one (one part of 1,000 would
/// otherwise name 999).
const MISSING_LISTED: usize = 10;

/// Each K from 1 to N once.
fn check_complete(name: &str, parts: &[(PathBuf, Part)]) -> Result<(), String> {
    let n = parts[0].1.parts;
    let mut problems = Vec::new();
    for w in parts.windows(2) {
        if w[0].1.part == w[1].1.part {
            problems.push(format!(
                "duplicate part {} of {n} of `{name}`: {} and {}",
                w[0].1.part,
                w[0].0.display(),
                w[1].0.display()
            ));
        }
    }
    for (path, p) in parts {
        if p.part == 0 || p.part > n {
            problems.push(format!("{}: damaged part: part {} of {n}", path.display(), p.part));
        }
    }
    let missing: Vec<u32> = (1..=n).filter(|k| !parts.iter().any(|(_, p)| p.part == *k)).collect();
    if !missing.is_empty() {
        let mut list: Vec<String> = missing
            .iter()
            .take(MISSING_LISTED)
            .map(|k| format!("missing part {k} of {n} (report.part-{k}-of-{n}.json)"))
            .collect();
        if missing.len() > MISSING_LISTED {
            list.push(format!("and {} more", missing.len() - MISSING_LISTED));
        }
        problems.push(format!("`{name}`: {}", list.join(", ")));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_are_recognised() {
        assert!(is_part_name("report.part-1-of-4.json"));
        assert!(is_part_name("report.part-12-of-100.json"));
        for other in
            ["report.json", "report.part-1-of-.json", "report.part-a-of-4.json", ".report.part-1-of-4.json.tmp"]
        {
            assert!(!is_part_name(other), "{other}");
        }
    }
}
