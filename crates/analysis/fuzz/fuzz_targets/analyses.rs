//! Every analysis on whatever any input decodes to, as the page runs them on every file it
//! opens: no panic (with `-a`, no overflow either, as in `cargo test`).

#![no_main]

use gotv_analysis::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trace = gotv_decode::decode(data).trace;
    let _ = summary(&trace);
    let gs = goroutines(&trace);
    let g = gc(&trace, 0);
    let all = profiles(&trace, &gs, &ProfileKind::ALL);
    if let Some(sync) = all.iter().find(|p| p.kind == ProfileKind::Sync) {
        let _ = findings(&trace, &gs, &g, sync);
    }
    for p in &all {
        let _ = encode_pprof(p);
    }
    let _ = vitals(&trace, &gs, &g);
    let _ = annotations(&trace, &gs);
    let _ = counters(&trace, plot_resolution(trace.time_span().1.saturating_sub(trace.time_span().0)));
    let _ = cpu_samples(&trace);
    let _ = g.summary(trace.time_span().1.saturating_sub(trace.time_span().0));
    let flags = MmuFlags { stw: true, background: true, assist: true, sweep: true, per_proc: false };
    let m = mmu_curve(&trace, flags);
    let _ = worst_windows(&m.series, 10_000_000, 10);
    let _ = mmu_curve(&trace, MmuFlags { per_proc: true, ..flags });
});
