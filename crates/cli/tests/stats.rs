//! `gotv stats --json` against the same numbers computed from Go 1.27.3's `-d=parsed`
//! output for every real fixture (tests/fixtures/README.md).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::Command;

use serde_json::{json, Value};

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ').find_map(|t| t.strip_prefix(key))
}

/// The stats, computed independently from Go's event text.
fn expected(parsed: &str, format_version: &str) -> Value {
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut trans: [BTreeMap<String, u64>; 2] = Default::default();
    let (mut gs, mut ps, mut ms) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let (mut first, mut last) = (None, None);
    let (mut gc, mut stw, mut stw_ns) = (0u64, 0u64, 0i64);
    let mut stw_open: HashMap<String, i64> = HashMap::new();
    let mut total = 0u64;
    for line in parsed.lines().filter(|l| l.starts_with("M=")) {
        total += 1;
        let toks: Vec<&str> = line.split(' ').collect();
        let kind = toks[3];
        *by_kind.entry(kind.to_string()).or_default() += 1;
        let time: i64 = field(line, "Time=").unwrap().parse().unwrap();
        first.get_or_insert(time);
        last = Some(time);
        for (key, set) in [("M=", &mut ms), ("P=", &mut ps), ("G=", &mut gs)] {
            let v = field(line, key).unwrap();
            if v != "-1" {
                set.insert(v.to_string());
            }
        }
        if kind == "StateTransition" {
            let change = toks.iter().find(|t| t.contains("->")).unwrap().to_string();
            if let Some(g) = field(line, "GoID=") {
                gs.insert(g.to_string());
                *trans[0].entry(change).or_default() += 1;
            } else {
                ps.insert(field(line, "ProcID=").unwrap().to_string());
                *trans[1].entry(change).or_default() += 1;
            }
        }
        let g = field(line, "G=").unwrap().to_string();
        if kind == "RangeBegin" && line.contains("Name=\"GC concurrent mark phase\"") {
            gc += 1;
        }
        if line.contains("Name=\"stop-the-world") {
            if kind == "RangeBegin" {
                stw += 1;
                stw_open.insert(g, time);
            } else if kind == "RangeEnd" {
                if let Some(t0) = stw_open.remove(&g) {
                    stw_ns += time - t0;
                }
            }
        }
    }
    let n = |k: &str| by_kind.get(k).copied().unwrap_or(0);
    json!({
        "format_version": format_version,
        "events": {
            "total": total,
            "by_kind": by_kind,
            "state_transitions": { "Goroutine": trans[0], "Proc": trans[1] },
            "first_ns": first,
            "last_ns": last,
            "duration_ns": last.unwrap_or(0) - first.unwrap_or(0),
        },
        "goroutines": { "seen": gs.len() },
        "procs": { "seen": ps.len() },
        "threads": { "seen": ms.len() },
        "gc": { "cycles": gc },
        "stw": { "count": stw, "total_ns": stw_ns },
        "cpu_samples": n("StackSample"),
        "user_annotations": { "tasks": n("TaskBegin"), "regions": n("RegionBegin"), "logs": n("Log") },
    })
}

#[test]
fn stats_match_go_for_every_fixture() {
    let mut checked = 0;
    for fixture in gotv_fixtures::all() {
        let (stem, minor, path) = (&fixture.name, fixture.go_minor, fixture.path());
        let out = Command::new(env!("CARGO_BIN_EXE_gotv")).args(["stats", "--json"]).arg(&path).output().unwrap();
        assert!(out.status.success(), "{stem}: {}", String::from_utf8_lossy(&out.stderr));
        let mut got: Value = serde_json::from_slice(&out.stdout).unwrap();
        let header_minor = match minor {
            24 => 23,
            27 => 26,
            m => m,
        };
        let mut want = expected(&fixture.answer("parsed.txt.zst"), &format!("1.{header_minor}"));
        if fixture.is_old_format() {
            // Go orders equal-time events of the old format in map order and then nudges their
            // times apart by 1 ns: STW durations may differ by that much per range.
            let (g, w) = (got["stw"]["total_ns"].as_i64().unwrap(), want["stw"]["total_ns"].as_i64().unwrap());
            let ranges = want["stw"]["count"].as_i64().unwrap();
            assert!((g - w).abs() <= 64 * ranges, "{stem}: STW total {g} ns, Go {w} ns");
            got["stw"]["total_ns"] = Value::Null;
            want["stw"]["total_ns"] = Value::Null;
        }
        assert_eq!(got, want, "{stem}");
        checked += 1;
    }
    assert_eq!(checked, 52, "every workload × Go 1.21–1.27 fixture");
}

#[test]
fn human_output_names_the_essentials() {
    let path = gotv_fixtures::go_vectors().join("gen-go1.27-normal.trace");
    let out = Command::new(env!("CARGO_BIN_EXE_gotv")).arg("stats").arg(&path).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in ["format version   go 1.26", "events           10832", "Running->Waiting", "GC cycles", "CPU samples"] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn a_non_trace_fails_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_gotv")).args(["stats", "Cargo.toml"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Go execution trace"));
}
