//! GC cycles, pauses and counter series against what Go's `-d=parsed` stream says.

mod common;

use gotv_analysis::{counters, gc};

#[test]
fn gc_cycles_and_pauses_match_gos_ranges() {
    for name in common::fixtures_v2() {
        let trace = common::load(&name);
        let g = gc(&trace, 0);
        let lines = common::parsed_lines(&name);
        let count = |kind: &str, what: &str| {
            lines.iter().filter(|l| l.split(' ').nth(3) == Some(kind) && l.contains(what)).count()
        };
        let begins = count("RangeBegin", "Name=\"GC concurrent mark phase\"");
        assert_eq!(g.cycles_begun as usize, begins, "{name}");
        let active = usize::from(count("RangeActive", "Name=\"GC concurrent mark phase\"") > 0 && begins == 0);
        // Every cycle that began, plus one already running at the start (flight recorder).
        assert!(g.cycles.len() >= begins && g.cycles.len() <= begins + active.max(1), "{name}: {}", g.cycles.len());
        let stw_ends = count("RangeEnd", "Name=\"stop-the-world (");
        assert_eq!(g.pauses.len(), stw_ends, "{name}");
        assert!(g.pauses.iter().all(|p| p.duration_ns > 0 && !p.reason.starts_with("stop-the-world")), "{name}");
        let metrics = count("Metric", "Name=\"/memory/classes/heap/objects:bytes\"");
        assert!(!g.heap_alloc.is_empty() && g.heap_alloc.len() <= metrics, "{name}");
    }
}

#[test]
fn counter_series_change_at_every_point_and_merge_by_resolution() {
    for name in ["workshop-go1.26", "stress-go1.27", "healthy-go1.27"] {
        let trace = common::load(name);
        let exact = counters(&trace, 0);
        assert!(exact.goroutines.windows(2).all(|w| w[0].time < w[1].time
            && (w[0].running, w[0].runnable, w[0].gc_waiting) != (w[1].running, w[1].runnable, w[1].gc_waiting)));
        let coarse = counters(&trace, 1_000_000);
        assert!(coarse.goroutines.windows(2).all(|w| w[1].time - w[0].time >= 1_000_000), "{name}");
        // Merging keeps peaks.
        let peak = |c: &gotv_analysis::Counters| c.goroutines.iter().map(|p| p.runnable).max();
        assert_eq!(peak(&exact), peak(&coarse), "{name}");
        assert!(exact.procs.iter().all(|p| p.running <= 2), "{name}: more Ps running than GOMAXPROCS");
    }
}

#[test]
fn goroutines_in_syscalls_follow_gos_transitions() {
    for name in ["workshop-go1.27", "nethttp-go1.27", "stress-go1.22"] {
        let trace = common::load(name);
        let exact = counters(&trace, 0);
        // From Go's own stream: the count after each transition into or out of a syscall.
        let mut n = 0u32;
        let mut expected = Vec::new();
        for l in common::parsed_lines(name).iter().filter(|l| l.contains(" StateTransition ") && l.contains(" GoID=")) {
            let Some((from, to)) = l.split(' ').find(|w| w.contains("->")).and_then(|w| w.split_once("->")) else {
                continue;
            };
            if (from == "Syscall") != (to == "Syscall") {
                n = if to == "Syscall" { n + 1 } else { n.saturating_sub(1) };
                let time = l.split(' ').find_map(|w| w.strip_prefix("Time=")).and_then(|t| t.parse::<i64>().ok());
                expected.push((time.expect("a time"), n));
            }
        }
        assert!(expected.iter().any(|e| e.1 > 0), "{name}: no syscalls");
        // Each point holds the count after the last change at its time.
        let ours: Vec<(i64, u32)> = exact.procs.iter().map(|p| (p.time, p.in_syscall)).collect();
        for (t, n) in expected.iter().rev().fold(Vec::<(i64, u32)>::new(), |mut v, &e| {
            if v.last().is_none_or(|l| l.0 != e.0) {
                v.push(e);
            }
            v
        }) {
            let at = ours.partition_point(|p| p.0 <= t);
            assert!(at > 0, "{name}: no point by {t}");
            assert_eq!(ours[at - 1].1, n, "{name}: goroutines in syscalls at {t}");
        }
    }
}

#[test]
fn heap_series_merge_by_resolution_and_keep_peaks() {
    for name in ["workshop-go1.27", "stress-go1.27"] {
        let trace = common::load(name);
        let (exact, coarse) = (gc(&trace, 0), gc(&trace, 1_000_000));
        assert!(coarse.heap_alloc.len() < exact.heap_alloc.len(), "{name}: nothing merged");
        for (e, c) in [(&exact.heap_alloc, &coarse.heap_alloc), (&exact.heap_goal, &coarse.heap_goal)] {
            assert!(c.windows(2).all(|w| w[1].time - w[0].time >= 1_000_000), "{name}");
            let peak = |s: &[gotv_analysis::Point]| s.iter().map(|p| p.value).max();
            assert_eq!(peak(e), peak(c), "{name}");
            // Every value is at most that of the coarse point it falls under.
            for p in e.iter() {
                let at = c.partition_point(|q| q.time <= p.time);
                assert!(at > 0 && c[at - 1].value >= p.value, "{name}: {p:?}");
            }
        }
        assert_eq!((exact.cycles, exact.pauses), (coarse.cycles, coarse.pauses), "{name}");
    }
}
