//! Times every analysis on a trace: `cargo run --release -p gotv-analysis --example timings FILE…`
//! (the budget is well under a second per analysis on a 200 MB trace, once decoded).

use std::time::Instant;

use gotv_analysis::*;

/// `GOTV_TIMINGS_REPEAT=N` runs each step N times and prints the fastest (this machine is
/// shared and noisy). `GOTV_TIMINGS_STOP=goroutines` (or another step's name) stops after
/// that step, e.g. to profile one step under `perf` or `valgrind --tool=callgrind`.
fn timed<T>(what: &str, f: impl Fn() -> T) -> T {
    let repeat: usize = std::env::var("GOTV_TIMINGS_REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let mut best = f64::INFINITY;
    let mut r = None;
    for _ in 0..repeat {
        drop(r.take());
        let t = Instant::now();
        r = Some(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("  {what:<12} {:>8.1} ms", best * 1e3);
    if std::env::var("GOTV_TIMINGS_STOP").is_ok_and(|s| s == what) {
        std::process::exit(0);
    }
    r.unwrap()
}

fn main() {
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).unwrap();
        let v1 = gotv_decode::read_header(&data).is_ok_and(|v| v.format() == gotv_decode::Format::V1);
        let d = timed("decode", || if v1 { gotv_decode::v1::decode(&data) } else { gotv_decode::decode(&data) });
        let trace = &d.trace;
        println!("{path}: {} events", trace.len());
        let gs = timed("goroutines", || goroutines(trace));
        for kind in ProfileKind::ALL {
            timed(&format!("pprof {}", kind.name()), || profile(trace, &gs, kind));
        }
        let all = timed("pprof ×4", || profiles(trace, &gs, &ProfileKind::ALL));
        let sync = &all[1];
        timed("findings", || findings(trace, &gs, sync));
        timed("gc", || gc(trace));
        timed("counters", || counters(trace, 0));
        timed("counters 1ms", || counters(trace, 1_000_000));
        timed("mmu", || mmu_curve(trace, MmuFlags::default()));
        timed("annotations", || annotations(trace, &gs));
        timed("cpu samples", || cpu_samples(trace));
    }
}
