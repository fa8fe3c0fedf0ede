//! The `shardsim` binary: everything happens in `shardsim::app`.

fn main() -> std::process::ExitCode {
    shardsim::app::main()
}
