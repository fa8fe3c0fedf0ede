//! The search behind `shardsim recommend`: the smallest provisioned shard
//! count whose run meets the `[slo]`, assuming that more shards never make
//! an objective worse (monotonicity). It doubles from 1 shard until a count
//! passes, then bisects between the largest failing and the smallest passing
//! count — O(log n) runs instead of a grid — and gives up early when, past
//! the count AWS's formula asks for, two doublings in a row improve nothing
//! (one hot key: no shard count helps).
//! Pure: the caller runs each count it asks for.

use std::collections::BTreeMap;

/// Doublings in a row without improvement after which the search stops.
const STALL_DOUBLINGS: usize = 2;
/// A broken objective improves when its measured value falls by at least
/// this fraction.
const IMPROVEMENT: f64 = 0.05;

/// What one shard count achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    /// Whether every objective was met.
    pub met: bool,
    /// Each objective's measured value, in `[slo]` order.
    pub measured: Vec<f64>,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Run this shard count.
    Try(u32),
    /// The smallest count that meets the SLO.
    Found(u32),
    /// No count up to the limit meets it.
    NotFound(Stop),
}

/// Why the search found nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The largest allowed count failed.
    AtLimit,
    /// Doubling stopped helping: the last counts failed alike.
    NoImprovement,
}

/// The next step given the `tried` counts (count → trial), the largest
/// count allowed, `max_shards`, and the count the sizing formula asks for,
/// `formula_shards` (below it, slow improvement is expected, not a stall).
pub fn next(tried: &BTreeMap<u32, Trial>, max_shards: u32, formula_shards: u32) -> Step {
    let largest_fail = tried.iter().filter(|(_, t)| !t.met).map(|(&n, _)| n).max();
    let smallest_pass = tried.iter().filter(|(_, t)| t.met).map(|(&n, _)| n).min();
    match (largest_fail, smallest_pass) {
        (None, None) => Step::Try(1),
        (None, Some(1)) => Step::Found(1),
        (None, Some(pass)) => Step::Try(pass / 2),
        (Some(fail), Some(pass)) if pass <= fail + 1 => Step::Found(pass),
        (Some(fail), Some(pass)) => Step::Try(fail + (pass - fail) / 2),
        (Some(fail), None) if fail >= max_shards => Step::NotFound(Stop::AtLimit),
        (Some(_), None) if stalled(tried, formula_shards) => Step::NotFound(Stop::NoImprovement),
        (Some(fail), None) => Step::Try(fail.saturating_mul(2).min(max_shards)),
    }
}

/// Whether the last doublings (all failing, from at least `formula_shards`)
/// left every objective where it was.
fn stalled(tried: &BTreeMap<u32, Trial>, formula_shards: u32) -> bool {
    let recent: Vec<(&u32, &Trial)> = tried.iter().rev().take(STALL_DOUBLINGS + 1).collect();
    if recent.len() <= STALL_DOUBLINGS || *recent[STALL_DOUBLINGS].0 < formula_shards {
        return false;
    }
    let (newest, oldest) = (recent[0].1, recent[STALL_DOUBLINGS].1);
    newest.measured.iter().zip(&oldest.measured).all(|(&now, &before)| now > before * (1.0 - IMPROVEMENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search against `meets(n)`, returning the counts tried in
    /// order and the end.
    fn search(max: u32, trial: impl Fn(u32) -> Trial) -> (Vec<u32>, Step) {
        search_from(max, 1, trial)
    }

    fn search_from(max: u32, formula: u32, trial: impl Fn(u32) -> Trial) -> (Vec<u32>, Step) {
        let mut tried = BTreeMap::new();
        let mut order = Vec::new();
        loop {
            match next(&tried, max, formula) {
                Step::Try(n) => {
                    assert!(!tried.contains_key(&n), "tried {n} twice");
                    order.push(n);
                    tried.insert(n, trial(n));
                }
                end => return (order, end),
            }
        }
    }

    fn threshold(need: u32) -> impl Fn(u32) -> Trial {
        move |n| Trial { met: n >= need, measured: vec![need as f64 / n as f64] }
    }

    #[test]
    fn doubles_then_bisects_to_the_smallest_passing_count() {
        assert_eq!(search(10_000, threshold(1)), (vec![1], Step::Found(1)));
        assert_eq!(search(10_000, threshold(4)), (vec![1, 2, 4, 3], Step::Found(4)));
        // 1, 2, 4, 8, 16 pass at 16; then 12, 10, 11.
        assert_eq!(search(10_000, threshold(11)), (vec![1, 2, 4, 8, 16, 12, 10, 11], Step::Found(11)));
        for need in 1..=300 {
            let (order, end) = search(10_000, threshold(need));
            assert_eq!(end, Step::Found(need));
            // Doubling and bisection: about 2·log2(need) runs.
            assert!(order.len() as f64 <= 2.0 * (need as f64).log2() + 2.0, "{need}: {order:?}");
        }
    }

    #[test]
    fn stops_at_the_limit_or_when_more_shards_do_not_help() {
        assert_eq!(search(6, threshold(7)).1, Step::NotFound(Stop::AtLimit));
        assert_eq!(search(6, threshold(7)).0, vec![1, 2, 4, 6]);
        // A hot key: the throttle rate stays at 50 % however many shards.
        let hot = |_| Trial { met: false, measured: vec![0.5] };
        assert_eq!(search_from(10_000, 3, hot), (vec![1, 2, 4, 8, 16], Step::NotFound(Stop::NoImprovement)));
        // Saturated far below the formula's count: slow gains are not a stall.
        let slow = |n: u32| Trial { met: n >= 100, measured: vec![1.0 - n as f64 / 1_000.0] };
        assert_eq!(search_from(10_000, 100, slow).1, Step::Found(100));
    }
}
