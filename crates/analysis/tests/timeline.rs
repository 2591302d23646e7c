//! GC cycles, pauses and counter series against what Go's `-d=parsed` stream says.

mod common;

use gotv_analysis::{counters, gc};

#[test]
fn gc_cycles_and_pauses_match_gos_ranges() {
    for name in common::fixtures_v2() {
        let trace = common::load(&name);
        let g = gc(&trace);
        let lines = common::parsed_lines(&name);
        let count = |kind: &str, what: &str| {
            lines.iter().filter(|l| l.split(' ').nth(3) == Some(kind) && l.contains(what)).count()
        };
        let begins = count("RangeBegin", "Name=\"GC concurrent mark phase\"");
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
