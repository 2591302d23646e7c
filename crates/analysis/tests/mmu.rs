//! MMU on real traces: the properties Go's curve breaks with background workers (analyses.md
//! §11 item 8). The comparison with Go's own answers (mmu.json) is in mmu_go.rs.

mod common;

use gotv_analysis::{mmu_curve, MmuFlags};

#[test]
fn background_workers_do_not_leak_gc_time() {
    for name in common::fixtures_v2().iter().filter(|n| n.starts_with("workshop")) {
        let trace = common::load(name);
        let c = mmu_curve(&trace, MmuFlags::default());
        let s = &c.series[0];
        // Go's counters leak until every P is "in GC" for good; ours recover after each cycle.
        let (end, last_full) = (s.last().unwrap().time, s.iter().rev().find(|p| p.util == 1.0).unwrap().time);
        let span = end - s[0].time;
        assert!(end - last_full < span / 10, "{name}: utilisation never back to 1 in the last {} ns", end - last_full);
        assert!(s.iter().all(|p| (0.0..=1.0).contains(&p.util)), "{name}");
        assert_eq!(c.curve.len(), 100, "{name}");
        assert!(c.curve.iter().all(|&(_, m)| (0.0..=1.0).contains(&m)), "{name}");
        // Longer windows average more: the curve rises overall.
        assert!(c.curve[99].1 > c.curve[0].1, "{name}: {:?}", c.curve);
    }
}

#[test]
fn per_proc_series_cover_every_p() {
    let trace = common::load("workshop-go1.26");
    let flags = MmuFlags { per_proc: true, ..MmuFlags::default() };
    let c = mmu_curve(&trace, flags);
    assert_eq!(c.series.len(), 2);
    assert!(c.series.iter().all(|s| s.iter().all(|p| p.util == 0.0 || p.util == 1.0)));
}
