//! The partial report `run --partition K/N` writes for each scenario file,
//! `<out>/<name>/report.part-K-of-N.json`: slice K's runs (each with its
//! index in the whole job list, its metrics, and for replication 0 its
//! full point and chart series) and everything `merge` needs to fold the N
//! slices into the report a single `run` writes — the report's
//! [`Skeleton`], the scenario text and arguments for `index.html` — plus
//! what proves the parts belong together: the shardsim version, a digest
//! of the expanded plan (data files and price tables included), the seeds,
//! the replication count, the slice and where the file's jobs sit in the
//! job list.

use std::fmt;
use std::path::Path;

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::partition::Slice;
use super::{JobResult, Loaded};
use crate::report::skeleton::Skeleton;
use crate::report::{ChartData, Point};

/// The `format` of a part file.
pub const FORMAT: &str = "shardsim-part";
/// Its layout's version: bumped whenever a field changes meaning.
pub const FORMAT_VERSION: u32 = 1;

/// One part file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Part {
    /// [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The shardsim that ran the slice: a merge needs the same one, since
    /// the report's bytes may differ between versions.
    pub shardsim_version: String,
    /// `[scenario].name`: the report folder.
    pub scenario: String,
    /// MD5 (hex) of the expanded plan, its price tables, the `--seed`
    /// override and the replication count: see [`digest`].
    pub scenario_digest: String,
    /// Each configuration's master seed, in plan order.
    pub seeds: Vec<u64>,
    /// Runs of each configuration.
    pub replications: u32,
    /// K: this slice, from 1.
    pub part: u32,
    /// N: how many slices the job list was cut into.
    pub parts: u32,
    /// Index of the file's first job in the job list of the run (which
    /// may have had several files): slices are cut over that list.
    pub first_job: u64,
    /// The file's jobs in all slices: configurations × replications.
    pub jobs: u64,
    /// What folding the runs into the report needs from the scenario.
    pub skeleton: Skeleton,
    /// The scenario file's text, for `index.html`.
    pub text: String,
    /// The `--set` and `--sweep` arguments, for `index.html`.
    pub arguments: Vec<String>,
    /// This slice's runs of the file, in job order.
    pub runs: Vec<PartRun>,
}

/// One run of a slice.
#[derive(Debug, Serialize, Deserialize)]
pub struct PartRun {
    /// Its index in the run's whole job list.
    pub job: u64,
    /// Its [`crate::report::replicate::metrics`].
    pub metrics: Vec<(String, f64)>,
    /// Replication 0's point (report.json's form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<Point>,
    /// Replication 0's chart series (not in report.json's form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charts: Option<ChartData>,
}

/// The fields any version of the format has: read first, so that a part
/// from another version is named as such rather than as unreadable.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    format_version: Option<u32>,
    shardsim_version: Option<String>,
}

impl Part {
    /// Slice `slice`'s part of file `l` (read with `--seed seed`), whose
    /// jobs start at `first_job` in the job list: its `runs` are (job
    /// index, result) in job order.
    pub fn new(
        l: &Loaded,
        seed: Option<u64>,
        arguments: &[String],
        slice: Slice,
        first_job: usize,
        runs: Vec<(usize, JobResult)>,
    ) -> Part {
        let skeleton = Skeleton::of(&l.plan);
        Part {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            shardsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: skeleton.scenario.name.clone(),
            scenario_digest: digest(l, seed),
            seeds: l.plan.points.iter().map(|p| p.scenario.seed).collect(),
            replications: l.plan.replications,
            part: slice.number(),
            parts: slice.count,
            first_job: first_job as u64,
            jobs: skeleton.jobs() as u64,
            skeleton,
            text: l.text.clone(),
            arguments: arguments.to_vec(),
            runs: runs
                .into_iter()
                .map(|(job, r)| {
                    let (point, charts) = match r.point {
                        Some(mut p) => {
                            let charts = std::mem::take(&mut p.charts);
                            (Some(p), Some(charts))
                        }
                        None => (None, None),
                    };
                    PartRun { job: job as u64, metrics: r.metrics, point, charts }
                })
                .collect(),
        }
    }

    /// The part as JSON (compact: a single run's chart series run to
    /// megabytes).
    pub fn to_json(&self) -> String {
        // Plain structs of numbers, strings and ordered maps serialize.
        let mut s = serde_json::to_string(self).expect("a part serializes");
        s.push('\n');
        s
    }

    /// The part file at `path`.
    pub fn read(path: &Path) -> Result<Part, String> {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read part file: {e}"))?;
        let header: Header = serde_json::from_str(&text)
            .map_err(|e| format!("{name}: not a shardsim part file (report.part-K-of-N.json): {e}"))?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(format!("{name}: not a shardsim part file (its `format` is not \"{FORMAT}\")"));
        }
        let ours = env!("CARGO_PKG_VERSION");
        if header.format_version != Some(FORMAT_VERSION) || header.shardsim_version.as_deref() != Some(ours) {
            return Err(format!(
                "{name}: written by shardsim {} (part format {}); this is shardsim {ours} (part format \
                 {FORMAT_VERSION}): merge with the version that ran the parts",
                header.shardsim_version.as_deref().unwrap_or("?"),
                header.format_version.map_or("?".to_string(), |v| v.to_string()),
            ));
        }
        serde_json::from_str(&text).map_err(|e| format!("{name}: damaged part file: {e}"))
    }
}

/// MD5 (hex) of file `l`'s expanded plan — every configuration as
/// validated, with its parsed data files (traces, key tables, shard maps)
/// — its price tables, the `--seed` override `seed` and the replication
/// count. The plan's `Debug` text is its canonical form: derived, so it
/// shows every field, in declaration order, with floats in shortest
/// round-trip form, and holds no hash map. It streams into the hasher, so
/// a million-key table is never formatted in memory at once. Same inputs,
/// same shardsim: same digest on any machine.
pub fn digest(l: &Loaded, seed: Option<u64>) -> String {
    let mut h = Hasher(Md5::new());
    // Writing into a hasher cannot fail.
    let _ = fmt::write(
        &mut h,
        format_args!("{:?}\nprices {:?}\nseed {seed:?}\nreplications {}\n", l.plan, l.prices, l.plan.replications),
    );
    h.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A `fmt::Write` that feeds an MD5.
struct Hasher(Md5);

impl fmt::Write for Hasher {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}
