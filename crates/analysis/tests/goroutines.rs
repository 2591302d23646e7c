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
        // The page lists a group's members without building their views: the same ones.
        let listed: Vec<(i64, i64)> = a.members(gname).collect();
        if listed != members.iter().map(|g| (g.id, g.stats.total_ns)).collect::<Vec<_>>() {
            return Err(format!("group {gname:?}: members() lists {} goroutines, not the same", listed.len()));
        }
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

/// Sums over the members of each group, as the group reports them: counts, every time and
/// every named time, with a name present exactly when some member has it.
fn groups_disagree_with_members(trace: &gotv_decode::Trace) -> Option<String> {
    let a = goroutines(trace);
    #[derive(Default, PartialEq, Debug)]
    struct Sum {
        count: usize,
        numbers: [i64; 6],
        block: BTreeMap<String, i64>,
        range: BTreeMap<String, i64>,
    }
    let numbers = |s: &gotv_analysis::ExecStats| {
        [s.exec_ns, s.sched_wait_ns, s.syscall_ns, s.syscall_block_ns, s.unknown_ns, s.total_ns]
    };
    let mut want: BTreeMap<&str, Sum> = BTreeMap::new();
    for g in a.goroutines() {
        let w = want.entry(g.name).or_default();
        w.count += 1;
        // Wrapping, as the analysis sums: corrupt traces have huge times.
        let add = |x: &mut i64, v: i64| *x = x.wrapping_add(v);
        for (x, v) in w.numbers.iter_mut().zip(numbers(&g.stats)) {
            add(x, v);
        }
        for (k, v) in g.stats.block_ns.iter() {
            add(w.block.entry(k.to_string()).or_default(), v);
        }
        for (k, v) in g.stats.range_ns.iter() {
            add(w.range.entry(k.to_string()).or_default(), v);
        }
    }
    let ours: BTreeMap<&str, Sum> = a
        .groups()
        .map(|g| {
            let named = |t: gotv_analysis::Times| t.iter().map(|(k, v)| (k.to_string(), v)).collect();
            let sum = Sum {
                count: g.count,
                numbers: numbers(&g.stats),
                block: named(g.stats.block_ns),
                range: named(g.stats.range_ns),
            };
            (g.name, sum)
        })
        .collect();
    (ours != want).then(|| format!("groups {ours:?}\nmembers {want:?}"))
}

#[test]
fn groups_are_the_sums_of_their_members() {
    let mut paths: Vec<std::path::PathBuf> = common::fixtures().iter().map(|n| common::path(n)).collect();
    paths.extend(gotv_fixtures::odd_inputs());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            let d = gotv_decode::decode(&std::fs::read(p).unwrap());
            groups_disagree_with_members(&d.trace).map(|e| format!("{}: {e}", p.display()))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} traces:\n{}", failures.len(), paths.len(), failures.join("\n"));
}

/// A goroutine blocked forever, then woken (Go counts it as ended, then as alive again), and an
/// ID destroyed and created again (the new goroutine replaces the old one's record, whose
/// block reason no goroutine has any more).
const ODD_LIVES: &str = "
Trace Go1.22
EventBatch gen=1 m=0 time=1 size=auto
ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=1 m=0 gstatus=2
GoCreate dt=10 new_g=5 new_stack=0 stack=0
GoCreate dt=10 new_g=6 new_stack=0 stack=0
GoBlock dt=10 reason_string=1 stack=0
GoStart dt=10 g=5 g_seq=1
GoBlock dt=10 reason_string=2 stack=0
GoUnblock dt=10 g=5 g_seq=2 stack=0
GoUnblock dt=10 g=1 g_seq=1 stack=0
GoStart dt=10 g=5 g_seq=3
GoDestroy dt=10
GoStart dt=10 g=1 g_seq=2
GoDestroy dt=10
GoCreate dt=10 new_g=5 new_stack=0 stack=0
GoStart dt=10 g=5 g_seq=1
GoDestroy dt=10
GoStart dt=10 g=6 g_seq=1
EventBatch gen=1 m=18446744073709551615 time=0 size=auto
Frequency freq=1000000000
EventBatch gen=1 m=18446744073709551615 time=0 size=auto
Stacks
EventBatch gen=1 m=18446744073709551615 time=0 size=auto
Strings
String id=1
	data=\"forever\"
String id=2
	data=\"chan receive\"
";

#[test]
fn goroutines_woken_after_blocking_forever_and_ids_reused_keep_their_groups_right() {
    let d = gotv_decode::decode(&gotv_fixtures::text::to_binary(ODD_LIVES).unwrap());
    assert!(d.error.is_none(), "{:?}", d.error);
    assert_eq!(groups_disagree_with_members(&d.trace), None);
    let a = goroutines(&d.trace);
    let lives: Vec<_> = a.goroutines().map(|g| (g.id, g.created_ns, g.end_ns, g.stats.exec_ns)).collect();
    // G1 ran from the Sync (1) until it blocked forever (33), and again from 103 until its end
    // (113): woken, its record is reopened with what it had. G5 is the second goroutine of
    // that ID. G6 still runs when the trace ends (at the final Sync, 154).
    assert_eq!(lives, [(1, 1, 113, 32 + 10), (5, 123, 143, 10), (6, 23, 0, 1)]);
}
