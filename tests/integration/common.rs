//! Helpers shared by the integration tests.

use shardsim::cost::prices::PriceTable;
use shardsim::report::Report;
use shardsim::scenario::model::Scenario;
use shardsim::sim::{RunOutcome, simulate};

/// Loads a scenario from TOML text (panics with the loader's message).
pub fn scenario(text: &str) -> Scenario {
    match shardsim::scenario::load("test.toml", text, &[]) {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// Loads and runs a scenario with its own seed.
pub fn run(text: &str) -> (Scenario, RunOutcome) {
    let s = scenario(text);
    let o = simulate(&s, s.seed, 0);
    (s, o)
}

/// Loads, runs and reports a scenario (built-in prices with its
/// `[pricing]` rates).
pub fn report(text: &str) -> Report {
    let (s, o) = run(text);
    Report::single(&s, s.seed, &o, &prices(&s))
}

/// The built-in price table with the scenario's `[pricing]` rates.
pub fn prices(s: &Scenario) -> PriceTable {
    assert!(s.pricing.file.is_none(), "tests with a price table file go through app::prices_for");
    shardsim::scenario::built_in_prices().with_overrides(&s.pricing.overrides)
}

/// The shardsim binary, run from the repository root.
pub fn shardsim() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shardsim");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// A one-producer scenario running `duration_s`, with the given `[stream]`,
/// producer and `[producers.sdk]` lines (TOML).
pub fn one_producer(stream: &str, duration_s: u32, producer: &str, sdk: &str) -> String {
    format!(
        "[scenario]\nname = \"t\"\nseed = 11\nduration_s = {duration_s}\n\
         [stream]\n{stream}\n\
         [[producers]]\nname = \"p\"\n{producer}\n\
         [producers.sdk]\n{sdk}\n"
    )
}

/// `shards` shards, one constant producer through PutRecord (no client-side
/// buffering, 200-byte records over 10,000 uniform keys), and the given
/// `[[consumers]]` tables.
pub fn consumer_scenario(shards: u32, records_per_s: u32, duration_s: u32, retention: &str, consumers: &str) -> String {
    format!(
        "[scenario]\nname = \"c\"\nseed = 3\nduration_s = {duration_s}\n\
         [stream]\nshard_count = {shards}\n{retention}\n\
         [[producers]]\nname = \"p\"\nrecords_per_s = {records_per_s}\narrival = \"constant\"\n\
         record_bytes = {{ dist = \"fixed\", bytes = 200 }}\n\
         [producers.sdk]\napi = \"put_record\"\n{consumers}"
    )
}

/// One `[[consumers]]` table of `kind` with extra TOML lines.
pub fn consumer(kind: &str, name: &str, extra: &str) -> String {
    format!("[[consumers]]\nname = \"{name}\"\nkind = \"{kind}\"\n{extra}\n")
}
