//! Task and region statistics against Go 1.27.3's `/usertasks`, `/usertask?type=T`,
//! `/userregions` and `/userregion?type=T&pc=HEX` pages on every fixture
//! (`answers/<fixture>/usertasks.json`, `userregions.json`; tests/fixtures/README.md).
//!
//! Go's quirks (analyses.md §7, §11 items 11–12) and how they are handled:
//! * Go lists a pseudo-task of empty type (ID 0) holding the regions and logs outside any
//!   task; it is not a task the program created, and we do not list it (checked: it is always
//!   the single incomplete task of ID 0).
//! * Regions are grouped by the *outermost* frame of their begin stack (Go 1.24+'s tool, which
//!   collapses regions begun at different call sites under one goroutine entry); ours does
//!   the same, so groups compare one to one by (type, PC).
//! * The regions page claims its histogram counts only complete regions; Go's code counts all,
//!   unfinished ones measured to the trace's ends, and so do we.
//! * Nameless synthetic regions (goroutines created inside a region) are a group of empty
//!   type on Go's page; ours too.
//! * The task page's histogram links pass `complete=true` (ignored by Go) and the per-task GC
//!   time is never filled: neither is an input here (only counts, durations and buckets are).

mod common;

use std::collections::BTreeMap;

use gotv_analysis::{annotations, goroutines, task_instances, DurationStats};
use serde_json::Value;

/// Our percentile rule and totals applied to Go's durations, for comparison with ours.
fn stats_of(mut d: Vec<i64>) -> (i64, i64, i64, i64, i64, i64, i64) {
    d.sort_unstable();
    let n = d.len();
    if n == 0 {
        return (0, 0, 0, 0, 0, 0, 0);
    }
    let q = |p: usize| d[(n - 1) * p / 100];
    let total: i64 = d.iter().sum();
    (total, d[0], d[n - 1], total / n as i64, q(50), q(90), q(99))
}

fn ours_of(s: &DurationStats) -> (i64, i64, i64, i64, i64, i64, i64) {
    (s.total_ns, s.min_ns, s.max_ns, s.mean_ns, s.p50_ns, s.p90_ns, s.p99_ns)
}

/// Go's old-format reader nudges equal-time events of different Ps apart by 1 ns in map order
/// (at random), as in tests/goroutines.rs: on Go 1.21 traces each duration may move by that
/// much, so sums by that much per item.
const V1_TIE_NS: i64 = 64;

fn assert_stats(ours: &DurationStats, theirs: Vec<i64>, v1: bool, what: &str) {
    let n = theirs.len() as i64;
    let (o, t) = (ours_of(ours), stats_of(theirs));
    if !v1 {
        assert_eq!(o, t, "{what}: durations (total, min, max, mean, p50, p90, p99)");
        return;
    }
    let o = [o.0, o.1, o.2, o.3, o.4, o.5, o.6];
    let t = [t.0, t.1, t.2, t.3, t.4, t.5, t.6];
    for (i, (a, b)) in o.iter().zip(&t).enumerate() {
        let tol = if i == 0 { V1_TIE_NS * n } else { V1_TIE_NS };
        assert!((a - b).abs() <= tol, "{what}: durations (total, min, max, mean, p50, p90, p99) {o:?} vs Go {t:?}");
    }
}

fn histogram(v: &Value) -> Vec<(i64, u64)> {
    v.as_array().unwrap().iter().map(|b| (b[0].as_i64().unwrap(), b[1].as_u64().unwrap())).collect()
}

#[test]
fn tasks_match_go() {
    let (mut fixtures_with_tasks, mut types) = (0, 0);
    for name in common::fixtures() {
        let trace = common::load(&name);
        let a = annotations(&trace, &goroutines(&trace));
        let v1 = common::fixtures_v1().contains(&name);
        let want: Value = serde_json::from_str(&common::answer(&name, "usertasks.json")).unwrap();
        let mut theirs: BTreeMap<String, &Value> = BTreeMap::new();
        for t in want["types"].as_array().unwrap() {
            let ty = t["type"].as_str().unwrap();
            if ty.is_empty() {
                // The pseudo-task for annotations outside any task (see the top).
                let tasks = t["tasks"].as_array().unwrap();
                assert_eq!(tasks.len(), 1, "{name}");
                assert_eq!((tasks[0]["id"].as_u64(), tasks[0]["complete"].as_bool()), (Some(0), Some(false)), "{name}");
                continue;
            }
            theirs.insert(ty.to_owned(), t);
        }
        let ours: BTreeMap<String, &DurationStats> = a.tasks.iter().map(|t| (t.name.clone(), &t.durations)).collect();
        assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "{name}: task types");
        for (ty, t) in &theirs {
            let o = ours[ty];
            let tasks = t["tasks"].as_array().unwrap();
            let complete: Vec<i64> = tasks
                .iter()
                .filter(|t| t["complete"].as_bool().unwrap())
                .map(|t| t["duration_ns"].as_i64().unwrap())
                .collect();
            assert_eq!(o.count, t["count"].as_u64().unwrap(), "{name} {ty}: count");
            assert_eq!(o.complete, complete.len() as u64, "{name} {ty}: complete");
            assert_eq!(o.histogram, histogram(&t["histogram"]), "{name} {ty}: histogram");
            assert_stats(o, complete, v1, &format!("{name} {ty}"));
            types += 1;
        }
        fixtures_with_tasks += usize::from(!theirs.is_empty());
    }
    // The annotations workload, with every Go release.
    assert_eq!(fixtures_with_tasks, 7);
    assert!(types >= 21, "{types}");
}

#[test]
fn regions_match_go() {
    let (mut fixtures_with_regions, mut groups) = (0, 0);
    for name in common::fixtures() {
        let trace = common::load(&name);
        let a = annotations(&trace, &goroutines(&trace));
        let v1 = common::fixtures_v1().contains(&name);
        let want: Value = serde_json::from_str(&common::answer(&name, "userregions.json")).unwrap();
        let theirs = want["groups"].as_array().unwrap();
        let key = |ty: &str, pc: u64| (ty.to_owned(), pc);
        let ours: BTreeMap<(String, u64), _> =
            a.regions.iter().map(|r| (key(&r.name, r.frame.as_ref().map_or(0, |f| f.pc)), r)).collect();
        let their_keys: Vec<(String, u64)> =
            theirs.iter().map(|g| key(g["type"].as_str().unwrap(), g["pc"].as_u64().unwrap())).collect();
        assert_eq!(ours.keys().cloned().collect::<Vec<_>>(), their_keys, "{name}: region groups");
        for g in theirs {
            let k = key(g["type"].as_str().unwrap(), g["pc"].as_u64().unwrap());
            let o = ours[&k];
            if let Some(f) = &o.frame {
                assert_eq!(
                    (f.func.as_str(), f.file.as_str()),
                    (g["func"].as_str().unwrap(), g["file"].as_str().unwrap()),
                    "{name} {k:?}"
                );
                assert_eq!(f.line, g["line"].as_u64().unwrap(), "{name} {k:?}");
            }
            // The "Total" column of every region row.
            let totals: Vec<i64> = g["regions"].as_array().unwrap().iter().map(|r| r[2].as_i64().unwrap()).collect();
            assert_eq!(o.durations.count, g["count"].as_u64().unwrap(), "{name} {k:?}: count");
            assert_eq!(o.durations.histogram, histogram(&g["histogram"]), "{name} {k:?}: histogram");
            assert_stats(&o.durations, totals, v1, &format!("{name} {k:?}"));
            groups += 1;
        }
        fixtures_with_regions += usize::from(!theirs.is_empty());
    }
    assert_eq!(fixtures_with_regions, 7);
    assert!(groups >= 70, "{groups}");
}

/// Each task of Go's `/usertask?type=T` pages: its ID, type, start since the trace start,
/// duration (to the trace end when unfinished) and completeness.
#[test]
fn task_instances_match_go() {
    let mut tasks = 0;
    for name in common::fixtures() {
        let trace = common::load(&name);
        let gs = goroutines(&trace);
        let v1 = common::fixtures_v1().contains(&name);
        let ours: BTreeMap<u64, _> = task_instances(&trace).into_iter().map(|t| (t.id, t)).collect();
        let want: Value = serde_json::from_str(&common::answer(&name, "usertasks.json")).unwrap();
        let mut theirs = 0;
        for ty in want["types"].as_array().unwrap() {
            let type_name = ty["type"].as_str().unwrap();
            for t in ty["tasks"].as_array().unwrap() {
                let id = t["id"].as_u64().unwrap();
                if id == 0 {
                    // The pseudo-task for annotations outside any task (see the top).
                    continue;
                }
                let o = &ours[&id];
                let what = format!("{name} task {id}");
                assert_eq!(o.name, type_name, "{what}");
                assert_eq!(o.start_ns.is_some() && o.end_ns.is_some(), t["complete"].as_bool().unwrap(), "{what}");
                let start = o.start_ns.unwrap_or(gs.trace_start_ns);
                let got = (start - gs.trace_start_ns, o.end_ns.unwrap_or(gs.trace_end_ns) - start);
                let go = (t["start_ns"].as_i64().unwrap(), t["duration_ns"].as_i64().unwrap());
                let tol = if v1 { V1_TIE_NS } else { 0 };
                assert!((got.0 - go.0).abs() <= tol && (got.1 - go.1).abs() <= tol, "{what}: {got:?} vs Go {go:?}");
                assert!(!o.goroutines.is_empty(), "{what}");
                theirs += 1;
            }
        }
        assert_eq!(ours.len(), theirs, "{name}: tasks");
        tasks += theirs;
    }
    assert!(tasks >= 7 * 401, "{tasks}");
}
