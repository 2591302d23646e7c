//! The goroutine analysis against Go 1.27.3's goroutine pages, scraped into
//! `answers/<fixture>/goroutines.json`, for every fixture.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use gotv_analysis::{goroutines, Goroutine};
use serde_json::Value;

/// The page's non-overlapping columns for one goroutine, as Go's `NonOverlappingStats`.
fn columns(g: &Goroutine) -> BTreeMap<String, i64> {
    let s = &g.stats;
    let mut m = BTreeMap::from([
        ("Execution time".to_string(), s.exec_ns),
        ("Sched wait time".to_string(), s.sched_wait_ns),
        ("Syscall execution time".to_string(), s.syscall_ns),
        ("Block time (syscall)".to_string(), s.syscall_block_ns),
        ("Unknown time".to_string(), s.unknown_ns),
    ]);
    for (r, v) in s.block_ns.iter() {
        *m.entry(format!("Block time ({r})")).or_default() += v;
    }
    m
}

/// Go's old-format reader orders equal-time events of different Ps in map order (at random),
/// then nudges tied times apart by 1 ns: on Go 1.21 traces each value may move by that much.
const V1_TIE_NS: i64 = 64;

fn check(name: &str, tolerance_ns: i64) -> Result<(), String> {
    let differs = |ours: i64, go: i64| (ours - go).abs() > tolerance_ns;
    let trace = common::load(name);
    let a = goroutines(&trace);
    let want: Value = serde_json::from_str(&common::answer(name, "goroutines.json")).unwrap();
    let want_groups = want["groups"].as_array().unwrap();
    let ours: BTreeSet<&str> = a.groups().map(|g| g.name).collect();
    let theirs: BTreeSet<&str> = want_groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    if ours != theirs {
        return Err(format!(
            "group names differ: ours−theirs {:?}, theirs−ours {:?}",
            ours.difference(&theirs).collect::<Vec<_>>(),
            theirs.difference(&ours).collect::<Vec<_>>()
        ));
    }
    for wg in want_groups {
        let gname = wg["name"].as_str().unwrap();
        let group = a.groups().find(|g| g.name == gname).unwrap();
        let members: Vec<Goroutine> = a.goroutines().filter(|g| g.name == gname).collect();
        if group.count as u64 != wg["count"].as_u64().unwrap() {
            return Err(format!("group {gname:?}: count {} want {}", group.count, wg["count"]));
        }
        // A sum over the group: each of its members' values may move.
        let want_exec = wg["exec_time_ns"].as_i64().unwrap();
        if (group.stats.exec_ns - want_exec).abs() > tolerance_ns * group.count as i64 {
            return Err(format!("group {gname:?}: exec {} want {}", group.stats.exec_ns, wg["exec_time_ns"]));
        }
        let cols: Vec<&str> = wg["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        let mut our_cols: BTreeSet<String> = BTreeSet::new();
        let mut our_ranges: BTreeSet<&str> = BTreeSet::new();
        for g in &members {
            our_cols.extend(columns(g).into_keys());
            our_ranges.extend(g.stats.range_ns.iter().map(|e| e.0));
        }
        let want_cols: BTreeSet<String> = cols.iter().map(|c| c.to_string()).collect();
        if our_cols != want_cols {
            return Err(format!("group {gname:?}: columns {our_cols:?} want {want_cols:?}"));
        }
        let rcols: Vec<&str> = wg["range_columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        if our_ranges != rcols.iter().copied().collect::<BTreeSet<_>>() {
            return Err(format!("group {gname:?}: range columns {our_ranges:?} want {rcols:?}"));
        }
        let wgs = wg["goroutines"].as_array().unwrap();
        if wgs.len() != members.len() {
            return Err(format!("group {gname:?}: {} goroutines want {}", members.len(), wgs.len()));
        }
        for (g, w) in members.iter().zip(wgs) {
            if g.id != w["id"].as_i64().unwrap() {
                return Err(format!("group {gname:?}: goroutine {} want {}", g.id, w["id"]));
            }
            let ctx = format!("goroutine {} ({gname:?})", g.id);
            if differs(g.stats.total_ns, w["total_ns"].as_i64().unwrap()) {
                return Err(format!("{ctx}: total {} want {}", g.stats.total_ns, w["total_ns"]));
            }
            let ours = columns(g);
            for (c, v) in cols.iter().zip(w["stats"].as_array().unwrap()) {
                let o = ours.get(*c).copied().unwrap_or(0);
                if differs(o, v.as_i64().unwrap()) {
                    return Err(format!("{ctx}: {c} {o} want {v}"));
                }
            }
            let ranges: Vec<i64> = rcols.iter().map(|c| g.stats.range_ns.get(c).unwrap_or(0)).collect();
            match w.get("ranges") {
                Some(wr) => {
                    let wr: Vec<i64> = wr.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
                    if ranges.len() != wr.len() || ranges.iter().zip(&wr).any(|(o, w)| differs(*o, *w)) {
                        return Err(format!("{ctx}: ranges {ranges:?} want {wr:?} ({rcols:?})"));
                    }
                }
                None if ranges.iter().sum::<i64>() != 0 => {
                    return Err(format!("{ctx}: ranges {ranges:?} want none"));
                }
                None => {}
            }
        }
    }
    Ok(())
}

fn check_all(names: &[String], tolerance_ns: i64) {
    let failures: Vec<String> =
        names.iter().filter_map(|n| check(n, tolerance_ns).err().map(|e| format!("{n}: {e}"))).collect();
    assert!(failures.is_empty(), "{} of {} fixtures differ:\n{}", failures.len(), names.len(), failures.join("\n"));
}

#[test]
fn goroutines_match_go_on_every_current_format_fixture() {
    check_all(&common::fixtures_v2(), 0);
}

#[test]
fn goroutines_match_go_on_every_v1_fixture_up_to_tie_order() {
    check_all(&common::fixtures_v1(), V1_TIE_NS);
}
