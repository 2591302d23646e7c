//! Times every analysis on a trace: `cargo run --release -p gotv-analysis --example timings FILE…`
//! (the budget is well under a second per analysis on a 200 MB trace, once decoded).

use std::time::Instant;

use gotv_analysis::*;

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    println!("  {what:<12} {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    r
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
