//! Which slice of a run's jobs this process takes: `--partition K/N` as
//! written (K from 1), or `--partition auto`, read from the batch
//! scheduler that started it — a Kubernetes Indexed Job, an AWS Batch array
//! job or a Slurm job array. Slices are round-robin over the job list (job
//! i belongs to slice i mod N), so a sweep over ascending shard counts
//! spreads its costly configurations evenly. Parsing is pure: the
//! environment comes in as a lookup function, so every scheduler's case is
//! unit-tested without touching the process's environment.

use std::fmt;

/// Kubernetes Indexed Job: the pod's index, from 0.
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
/// AWS Batch array job: the child's index, from 0.
pub const AWS_INDEX: &str = "AWS_BATCH_JOB_ARRAY_INDEX";
/// AWS Batch array job: the array's size.
pub const AWS_SIZE: &str = "AWS_BATCH_JOB_ARRAY_SIZE";
/// Slurm job array: the task's id (from `--array`'s first value).
pub const SLURM_ID: &str = "SLURM_ARRAY_TASK_ID";
/// Slurm job array: the number of tasks.
pub const SLURM_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// Slurm job array: the lowest task id (`--array=1-8` starts at 1).
pub const SLURM_MIN: &str = "SLURM_ARRAY_TASK_MIN";
/// Slurm job array: the step between task ids (`--array=0-14:2`).
pub const SLURM_STEP: &str = "SLURM_ARRAY_TASK_STEP";
/// The slice count where the scheduler gives none (Kubernetes), or to
/// override the one it gives.
pub const COUNT_VAR: &str = "SHARDSIM_PARTITIONS";

/// Slice `index` (from 0) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    /// From 0; below `count`.
    pub index: u32,
    /// At least 1.
    pub count: u32,
}

impl Slice {
    /// Whether job `job` (its index in the whole job list) is this slice's.
    pub fn holds(self, job: usize) -> bool {
        job % self.count as usize == self.index as usize
    }

    /// K, as the command line and file names count (from 1).
    pub fn number(self) -> u32 {
        self.index + 1
    }

    /// `report.part-K-of-N.json`.
    pub fn file_name(self) -> String {
        format!("report.part-{}-of-{}.json", self.number(), self.count)
    }
}

impl fmt::Display for Slice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.number(), self.count)
    }
}

/// The slice `--partition ARG` (with `--partitions`, `partitions`) asks
/// for, looking `auto` up in the environment through `var`.
pub fn resolve(arg: &str, partitions: Option<u32>, var: impl Fn(&str) -> Option<String>) -> Result<Slice, String> {
    if arg.trim() == "auto" {
        return from_env(partitions, var);
    }
    let slice = parse(arg)?;
    if let Some(n) = partitions {
        return Err(format!(
            "--partitions {n}: only goes with --partition auto; --partition {arg} already says how many"
        ));
    }
    Ok(slice)
}

/// `K/N`: slice K (from 1) of N.
pub fn parse(arg: &str) -> Result<Slice, String> {
    let bad = |why: &str| format!("--partition {arg}: {why}; expected K/N (slice K of N, 1 ≤ K ≤ N, e.g. 2/8) or auto");
    let (k, n) = arg.split_once('/').ok_or_else(|| bad("no `/`"))?;
    let number = |text: &str, what: &str| {
        text.trim().parse::<u32>().map_err(|_| bad(&format!("{what} `{}` is not a whole number", text.trim())))
    };
    let (k, n) = (number(k, "K")?, number(n, "N")?);
    if n == 0 {
        return Err(bad("N must be at least 1"));
    }
    if k == 0 || k > n {
        return Err(bad(&format!("K must be between 1 and {n}, got {k}")));
    }
    Ok(Slice { index: k - 1, count: n })
}

/// The slice a batch scheduler's variables give (looked up through
/// `var`), its count overridden by `partitions` (`--partitions`), then by
/// `SHARDSIM_PARTITIONS`.
pub fn from_env(partitions: Option<u32>, var: impl Fn(&str) -> Option<String>) -> Result<Slice, String> {
    let found: Vec<&str> = [K8S_INDEX, AWS_INDEX, SLURM_ID].into_iter().filter(|v| var(v).is_some()).collect();
    let scheduler = match found.as_slice() {
        [] => {
            return Err(format!(
                "--partition auto: no batch scheduler's index in the environment: expected {K8S_INDEX} (Kubernetes \
                 Indexed Job, with --partitions N or {COUNT_VAR}), {AWS_INDEX} and {AWS_SIZE} (AWS Batch array job) \
                 or {SLURM_ID} and {SLURM_COUNT} (Slurm job array); or give --partition K/N"
            ));
        }
        [one] => *one,
        several => {
            return Err(format!(
                "--partition auto: more than one scheduler's index is set ({}); give --partition K/N",
                several.join(", ")
            ));
        }
    };
    let read = |name: &str| -> Result<Option<u32>, String> {
        var(name)
            .map(|text| {
                text.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("--partition auto: {name}={text:?} is not a whole number (0 … {})", u32::MAX))
            })
            .transpose()
    };
    let index_value = read(scheduler)?.unwrap_or_default();
    let (index, own_count) = match scheduler {
        K8S_INDEX => (index_value, None),
        AWS_INDEX => (index_value, Some(AWS_SIZE)),
        _ => {
            // Slurm numbers tasks as --array says: from its first value, by
            // its step.
            let min = read(SLURM_MIN)?.unwrap_or(0);
            let step = read(SLURM_STEP)?.unwrap_or(1).max(1);
            let offset = index_value
                .checked_sub(min)
                .ok_or_else(|| format!("--partition auto: {SLURM_ID}={index_value} is below {SLURM_MIN}={min}"))?;
            if offset % step != 0 {
                return Err(format!(
                    "--partition auto: {SLURM_ID}={index_value} is not {SLURM_MIN}={min} plus a multiple of \
                     {SLURM_STEP}={step}"
                ));
            }
            (offset / step, Some(SLURM_COUNT))
        }
    };
    let (count, from) = match (partitions, read(COUNT_VAR)?, own_count) {
        (Some(n), _, _) => (n, "--partitions".to_string()),
        (None, Some(n), _) => (n, COUNT_VAR.to_string()),
        (None, None, Some(name)) => match read(name)? {
            Some(n) => (n, name.to_string()),
            None => return Err(format!("--partition auto: {scheduler} is set but {name} is not")),
        },
        (None, None, None) => {
            return Err(format!(
                "--partition auto: {scheduler} gives the index but not the count: pass --partitions N or set \
                 {COUNT_VAR} (the Job's completions)"
            ));
        }
    };
    if count == 0 {
        return Err(format!("--partition auto: {from} must be at least 1, got 0"));
    }
    if index >= count {
        return Err(format!(
            "--partition auto: {scheduler}={} is slice {index} from 0, out of range for {count} slices ({from})",
            var(scheduler).unwrap_or_default().trim()
        ));
    }
    Ok(Slice { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup over `pairs`, as the environment would answer.
    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn k_of_n_counts_from_one() {
        assert_eq!(parse("1/4"), Ok(Slice { index: 0, count: 4 }));
        assert_eq!(parse("4/4"), Ok(Slice { index: 3, count: 4 }));
        assert_eq!(parse(" 2 / 3 "), Ok(Slice { index: 1, count: 3 }));
        assert_eq!(parse("3/4").unwrap().file_name(), "report.part-3-of-4.json");
        assert_eq!(parse("3/4").unwrap().to_string(), "3/4");
        for (bad, why) in [
            ("0/4", "K must be between 1 and 4, got 0"),
            ("5/4", "K must be between 1 and 4, got 5"),
            ("1/0", "N must be at least 1"),
            ("0/0", "N must be at least 1"),
            ("3", "no `/`"),
            ("a/4", "K `a` is not a whole number"),
            ("1/-4", "N `-4` is not a whole number"),
            ("1/", "N `` is not a whole number"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(why) && e.contains(&format!("--partition {bad}")), "{bad}: {e}");
        }
    }

    #[test]
    fn slices_are_round_robin() {
        let s = Slice { index: 1, count: 4 };
        let held: Vec<usize> = (0..18).filter(|&j| s.holds(j)).collect();
        assert_eq!(held, [1, 5, 9, 13, 17]);
    }

    #[test]
    fn partitions_goes_only_with_auto() {
        let none = env(&[]);
        assert!(resolve("2/4", Some(4), &none).unwrap_err().contains("only goes with --partition auto"));
        assert_eq!(resolve("2/4", None, &none), Ok(Slice { index: 1, count: 4 }));
        assert_eq!(resolve("auto", Some(3), env(&[(K8S_INDEX, "2")])), Ok(Slice { index: 2, count: 3 }));
    }

    #[test]
    fn kubernetes_takes_its_count_from_the_flag_or_the_variable() {
        let k = env(&[(K8S_INDEX, "0")]);
        assert_eq!(from_env(Some(5), &k), Ok(Slice { index: 0, count: 5 }));
        let e = from_env(None, &k).unwrap_err();
        assert!(e.contains("--partitions N") && e.contains(COUNT_VAR), "{e}");
        let with_var = env(&[(K8S_INDEX, "3"), (COUNT_VAR, "4")]);
        assert_eq!(from_env(None, &with_var), Ok(Slice { index: 3, count: 4 }));
        // The flag wins over the variable.
        assert_eq!(from_env(Some(8), &with_var), Ok(Slice { index: 3, count: 8 }));
        let e = from_env(None, env(&[(K8S_INDEX, "4"), (COUNT_VAR, "4")])).unwrap_err();
        assert!(e.contains("out of range for 4 slices") && e.contains("JOB_COMPLETION_INDEX=4"), "{e}");
    }

    #[test]
    fn aws_batch_gives_index_and_size() {
        assert_eq!(from_env(None, env(&[(AWS_INDEX, "2"), (AWS_SIZE, "3")])), Ok(Slice { index: 2, count: 3 }));
        assert_eq!(from_env(Some(6), env(&[(AWS_INDEX, "5"), (AWS_SIZE, "3")])), Ok(Slice { index: 5, count: 6 }));
        let e = from_env(None, env(&[(AWS_INDEX, "2")])).unwrap_err();
        assert!(e.contains(AWS_SIZE), "{e}");
        let e = from_env(None, env(&[(AWS_INDEX, "x"), (AWS_SIZE, "3")])).unwrap_err();
        assert!(e.contains("AWS_BATCH_JOB_ARRAY_INDEX=\"x\" is not a whole number"), "{e}");
        let e = from_env(None, env(&[(AWS_INDEX, "0"), (AWS_SIZE, "0")])).unwrap_err();
        assert!(e.contains("AWS_BATCH_JOB_ARRAY_SIZE must be at least 1"), "{e}");
    }

    #[test]
    fn slurm_counts_from_the_arrays_first_id() {
        let one_based = env(&[(SLURM_ID, "1"), (SLURM_MIN, "1"), (SLURM_COUNT, "8")]);
        assert_eq!(from_env(None, one_based), Ok(Slice { index: 0, count: 8 }));
        let last = env(&[(SLURM_ID, "8"), (SLURM_MIN, "1"), (SLURM_COUNT, "8")]);
        assert_eq!(from_env(None, last), Ok(Slice { index: 7, count: 8 }));
        // Without a minimum, ids count from 0.
        assert_eq!(from_env(None, env(&[(SLURM_ID, "3"), (SLURM_COUNT, "4")])), Ok(Slice { index: 3, count: 4 }));
        // --array=0-6:2 runs ids 0, 2, 4, 6.
        let stepped = env(&[(SLURM_ID, "4"), (SLURM_MIN, "0"), (SLURM_STEP, "2"), (SLURM_COUNT, "4")]);
        assert_eq!(from_env(None, stepped), Ok(Slice { index: 2, count: 4 }));
        // --partitions overrides the task count.
        let counted = env(&[(SLURM_ID, "2"), (SLURM_MIN, "1"), (SLURM_COUNT, "8")]);
        assert_eq!(from_env(Some(16), counted), Ok(Slice { index: 1, count: 16 }));
        let e = from_env(None, env(&[(SLURM_ID, "0"), (SLURM_MIN, "1"), (SLURM_COUNT, "8")])).unwrap_err();
        assert!(e.contains("below SLURM_ARRAY_TASK_MIN=1"), "{e}");
        let e = from_env(None, env(&[(SLURM_ID, "9"), (SLURM_MIN, "1"), (SLURM_COUNT, "8")])).unwrap_err();
        assert!(e.contains("out of range for 8 slices"), "{e}");
    }

    #[test]
    fn none_or_several_schedulers_are_refused() {
        let e = from_env(None, env(&[])).unwrap_err();
        for name in [K8S_INDEX, AWS_INDEX, SLURM_ID] {
            assert!(e.contains(name), "{e}");
        }
        let e = from_env(Some(2), env(&[(K8S_INDEX, "0"), (SLURM_ID, "1")])).unwrap_err();
        assert!(e.contains("more than one") && e.contains(K8S_INDEX) && e.contains(SLURM_ID), "{e}");
    }
}
