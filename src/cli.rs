//! Command-line interface: argument definitions only (clap derive). What the
//! commands do lives in `app`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Deterministic capacity-planning simulator for Amazon Kinesis Data Streams.
#[derive(Debug, Parser)]
#[command(name = "shardsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios, print a summary and write reports/<name>/report.json.
    Run(RunArgs),
    /// Validate scenarios without running them.
    Check(CheckArgs),
    /// Find the cheapest configuration that meets the scenario's `[slo]`.
    Recommend(RecommendArgs),
    /// Fold the parts `run --partition K/N` wrote into the reports a single
    /// `run` writes.
    Merge(MergeArgs),
    /// Write a starting scenario that replays a stream's exports
    /// (CloudWatch metrics, a key table, a list-shards map).
    Import(ImportArgs),
    /// Write a commented starting scenario (to standard output, or
    /// --output FILE) that passes `check`.
    Init(InitArgs),
    /// Print the JSON Schema of the scenario file or of report.json.
    Schema(SchemaArgs),
    /// Print a shell completion script (e.g. `shardsim completions bash >
    /// ~/.local/share/bash-completion/completions/shardsim`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `shardsim man > shardsim.1`.
    Man,
}

/// `shardsim completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `shardsim init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The starting point.
    #[arg(value_enum, default_value_t = Template::Basic)]
    pub template: Template,
    /// Write the scenario to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Start the file with `#:schema PATH`, so that TOML editors (Taplo,
    /// Even Better TOML) check and complete its keys: the path (relative to
    /// the file) or URL of shardsim's scenario.schema.json, which `shardsim
    /// schema scenario` prints.
    #[arg(long, value_name = "PATH")]
    pub schema: Option<String>,
}

/// The starting points of `shardsim init`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// One SDK producer on a small provisioned stream, one reader.
    Basic,
    /// A partition key with one hot tenant: a throttled shard on a
    /// stream that is mostly idle.
    HotKey,
    /// Many small records, aggregated by the Kinesis Producer Library.
    Kpl,
    /// Readers of every kind: polling, enhanced fan-out, Lambda, Firehose.
    Consumers,
    /// A sweep of shard counts against an `[slo]`.
    Sweep,
}

/// `shardsim schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which document.
    #[arg(value_enum)]
    pub document: SchemaDocument,
}

/// The documents `shardsim schema` describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaDocument {
    /// The scenario file (TOML), as TOML editors read it.
    Scenario,
    /// report.json, as `run` writes it.
    Report,
}

/// `shardsim import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The rate: `aws cloudwatch get-metric-data` or `get-metric-statistics`
    /// JSON, or a CSV `time_s,records_per_s[,bytes_per_s]`.
    #[arg(long, value_name = "FILE")]
    pub metrics: PathBuf,
    /// A second CloudWatch export holding `IncomingBytes` (with a
    /// get-metric-statistics export of `IncomingRecords`).
    #[arg(long, value_name = "FILE")]
    pub bytes_metrics: Option<PathBuf>,
    /// The `Id` or `Label` of the records series, when the file has several.
    #[arg(long, value_name = "ID")]
    pub records: Option<String>,
    /// The `Id` or `Label` of the bytes series.
    #[arg(long, value_name = "ID")]
    pub bytes: Option<String>,
    /// A key table: CSV `partition_key,count[,bytes]` or the Hot Shard
    /// Advisor's JSON.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// `aws kinesis list-shards` or `describe-stream` JSON.
    #[arg(long, value_name = "FILE")]
    pub shards: Option<PathBuf>,
    /// The scenario's name (it names the report folder).
    #[arg(long)]
    pub name: String,
    /// Write the scenario to this file (paths in it are made relative to
    /// its folder) instead of standard output (paths relative to the
    /// working directory: save it there).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Treat an incomplete CloudWatch export as an error.
    #[arg(long)]
    pub strict: bool,
}

/// Options shared by commands that load scenarios.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// Override a scenario key, e.g. `--set stream.shard_count=16` or
    /// `--set producers.0.records_per_s=5000` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Master seed, overriding `[scenario].seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Sweep a scenario key over values, e.g. `--sweep stream.shard_count=4,8,16`
    /// (repeatable; with `[sweep]`, the Cartesian product). Values holding
    /// commas go in a TOML array: `--sweep 'PATH=[{ … }, { … }]'`.
    #[arg(long = "sweep", value_name = "PATH=V1,V2,...")]
    pub sweep: Vec<String>,
    /// Treat a data file's warnings (a CloudWatch export whose StatusCode
    /// is not Complete) as errors.
    #[arg(long)]
    pub strict: bool,
    /// Runs per configuration, overriding `[sweep].replications`.
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: Option<u32>,
}

/// How runs are spread over cores.
#[derive(Debug, clap::Args)]
pub struct ParallelArgs {
    /// Worker threads (default: all cores); a single run uses a second one to
    /// build its SDK producers' calls ahead. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_024))]
    pub threads: Option<u32>,
    /// Print no progress, notes or summary; standard output stays empty
    /// unless --format asks for the report.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Files beside the reports, as hyperfine exports its results.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Also write every configuration as a CSV row: scenario, swept
    /// parameters, headline figures with their 95 % intervals, cheapest
    /// mode, SLO verdict.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Also write the reports as Markdown.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
}

/// `shardsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenarios and overrides.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Folder for reports; each scenario writes <DIR>/<name>/report.json.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// What to print on standard output (default: table). Given, it is
    /// printed even with --quiet.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// CSV and Markdown exports.
    #[command(flatten)]
    pub export: ExportArgs,
    /// Threads and quiet.
    #[command(flatten)]
    pub parallel: ParallelArgs,
    /// Run even when the up-front estimate says the run is too large.
    #[arg(long)]
    pub force: bool,
    /// Write no charts, PNG or SVG (report.json, timeseries.csv and
    /// index.html are still written).
    #[arg(long)]
    pub no_charts: bool,
    /// Run only slice K of N of the runs (configurations × replications,
    /// round-robin) and write <DIR>/<name>/report.part-K-of-N.json for
    /// `shardsim merge`; `auto` reads K and N from a Kubernetes Indexed
    /// Job, an AWS Batch array job or a Slurm job array.
    #[arg(long, value_name = "K/N|auto", conflicts_with_all = ["format", "no_charts", "export_csv", "export_markdown"])]
    pub partition: Option<String>,
    /// With `--partition auto`: the number of slices (Kubernetes gives
    /// none; overrides SHARDSIM_PARTITIONS and the scheduler's count).
    #[arg(long, value_name = "N", requires = "partition", value_parser = clap::value_parser!(u32).range(1..))]
    pub partitions: Option<u32>,
}

/// `shardsim merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Part files, or folders searched (recursively) for
    /// report.part-K-of-N.json.
    #[arg(required = true, value_name = "DIR_OR_FILE")]
    pub inputs: Vec<PathBuf>,
    /// Folder for reports; each scenario writes <DIR>/<name>/report.json.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// What to print on standard output (default: table). Given, it is
    /// printed even with --quiet.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// CSV and Markdown exports.
    #[command(flatten)]
    pub export: ExportArgs,
    /// Write no charts, PNG or SVG (report.json, timeseries.csv and
    /// index.html are still written).
    #[arg(long)]
    pub no_charts: bool,
    /// Print no progress, notes or summary; standard output stays empty
    /// unless --format asks for the report.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `shardsim recommend`.
#[derive(Debug, clap::Args)]
pub struct RecommendArgs {
    /// The scenario (one file; its `[sweep]` may only list shard counts) and overrides.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Folder for the search's report: <DIR>/<name>/recommend.json.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// Largest shard count to try.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_shards: u32,
    /// What to print on standard output (default: table): the summary, the
    /// recommend.json document, or the summary as Markdown. Given, it is
    /// printed even with --quiet.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Threads and quiet.
    #[command(flatten)]
    pub parallel: ParallelArgs,
}

/// `shardsim check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenarios and overrides.
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Standard-output format of `run`, `merge` and `recommend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text tables.
    Table,
    /// The report.json document.
    Json,
    /// Markdown tables.
    Markdown,
}
