//! `gotv diagnose`'s findings on workloads whose problems are known by construction
//! (tests/fixtures/README.md): none on `healthy`, the three planted ones on `workshop`.

mod common;

use gotv_analysis::{findings, gc, goroutines, profile, Finding, ProfileKind};

fn diagnose(name: &str) -> Vec<Finding> {
    let trace = common::load(name);
    let gs = goroutines(&trace);
    let sync = profile(&trace, &gs, ProfileKind::Sync);
    findings(&trace, &gs, &gc(&trace, 0), &sync)
}

fn traces(workload: &str) -> Vec<String> {
    let prefix = format!("{workload}-go1.");
    let names: Vec<String> =
        gotv_fixtures::all().into_iter().filter(|f| f.name.starts_with(&prefix)).map(|f| f.name).collect();
    assert_eq!(names.len(), 7, "{workload}: {names:?}");
    names
}

/// The line (1-based) of the first `needle` after the line holding `after` in the
/// workshop's source.
fn workshop_line(after: &str, needle: &str) -> u64 {
    let src = std::fs::read_to_string(gotv_fixtures::dir().join("../workloads/workshop/main.go")).unwrap();
    let start = src.lines().position(|l| l.contains(after)).unwrap();
    let i = src.lines().enumerate().skip(start).find(|(_, l)| l.contains(needle)).unwrap().0;
    i as u64 + 1
}

#[test]
fn healthy_program_raises_no_alarm() {
    for name in traces("healthy") {
        let f = diagnose(&name);
        assert!(f.is_empty(), "{name}: {f:#?}");
    }
}

#[test]
fn workshop_gets_its_three_findings() {
    let go_stmt = workshop_line("func (s *server) handleSearch(", "go func(");
    let lock = workshop_line("func searchFile(", "resultsMu.Lock()");
    for name in traces("workshop") {
        let f = diagnose(&name);
        let get = |id: &str| f.iter().find(|x| x.id == id).unwrap_or_else(|| panic!("{name}: no {id} in {f:#?}"));

        let g = get("unbounded-goroutines").location.clone().unwrap();
        assert_eq!((g.file.as_str(), g.line), ("workshop/main.go", go_stmt), "{name}");
        assert_eq!(g.func, "main.(*server).handleSearch", "{name}");

        let l = get("lock-contention").location.clone().unwrap();
        assert_eq!((l.func.as_str(), l.file.as_str(), l.line), ("main.searchFile", "workshop/main.go", lock), "{name}");

        let gc = get("gc-pressure");
        let n = |k: &str| gc.numbers.iter().find(|e| e.0 == k).unwrap().1;
        assert!(n("cycles") >= 5.0 && n("mark_share") > 0.0 && n("assist_ns") > 0.0, "{name}: {gc:?}");
    }
}
