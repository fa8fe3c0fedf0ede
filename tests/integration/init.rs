//! `shardsim init`: every template passes `check` and runs; the command
//! writes exactly the template (its `#:schema` line as asked), to standard
//! output or to a new file, and never replaces a file without `--force`.

use shardsim::app::init::{TEMPLATES, file_name, render, template};
use shardsim::report::Report;
use shardsim::sim::simulate;

use crate::common::{shardsim, shipped_plan, short_horizon};

/// The `init` argument naming template `t`.
fn argument(t: shardsim::cli::Template) -> &'static str {
    file_name(t).trim_end_matches(".toml")
}

#[test]
fn every_template_passes_check_and_runs_on_a_short_horizon() {
    for t in TEMPLATES {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join(file_name(t));
        std::fs::write(&path, render(t, None)).unwrap();
        let check = shardsim().arg("check").arg(&path).output().unwrap();
        let stdout = String::from_utf8_lossy(&check.stdout);
        assert!(check.status.success(), "{}: {}", file_name(t), String::from_utf8_lossy(&check.stderr));
        assert!(stdout.starts_with(&format!("ok: {} ", argument(t))), "{stdout}");
        assert!(!stdout.contains("warning"), "{stdout}");
        // Every configuration, once each, on a short horizon.
        let text = render(t, None);
        let full = shipped_plan(&path, &text, &[]).points.swap_remove(0).scenario;
        for point in shipped_plan(&path, &text, &short_horizon(&full)).points {
            let s = &point.scenario;
            let prices = shardsim::app::prices_for(s, &path).unwrap();
            let o = simulate(s, s.seed, 0);
            assert!(o.producers.iter().all(|p| p.user_records > 0), "{}", file_name(t));
            let r = Report::single(s, s.seed, &o, &prices);
            assert!(r.points[0].producers.total.records_put > 0, "{}", file_name(t));
        }
    }
}

#[test]
fn init_prints_the_template_basic_by_default() {
    for t in TEMPLATES {
        let out = shardsim().args(["init", argument(t)]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed, render(t, None), "{}", file_name(t));
        // The template as shipped, less its `#:schema` line (its path is
        // relative to templates/).
        let shipped = template(t);
        assert_eq!(shipped.split_once('\n').unwrap().1, printed, "{}", file_name(t));
    }
    let out = shardsim().arg("init").output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), render(shardsim::cli::Template::Basic, None));
    let out = shardsim().args(["init", "kpl", "--schema", "../schemas/scenario.schema.json"]).output().unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed, template(shardsim::cli::Template::Kpl), "with --schema, the shipped file itself");
}

#[test]
fn init_writes_a_new_file_and_replaces_one_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    let init = |args: &[&str]| shardsim().arg("init").args(args).arg("--output").arg(&path).output().unwrap();

    let out = init(&["hot-key"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), render(shardsim::cli::Template::HotKey, None));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shardsim check"));

    // An existing file is refused, and left as it was.
    let out = init(&["sweep"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already exists") && stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), render(shardsim::cli::Template::HotKey, None));

    let out = init(&["sweep", "--force", "--schema", "https://example.com/scenario.schema.json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        format!("#:schema https://example.com/scenario.schema.json\n{}", render(shardsim::cli::Template::Sweep, None))
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");

    // A folder, an unknown template, --force without --output: exit 2.
    let out = shardsim().args(["init", "--output"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(shardsim().args(["init", "iot"]).output().unwrap().status.code(), Some(2));
    assert_eq!(shardsim().args(["init", "--force"]).output().unwrap().status.code(), Some(2));
}
