//! Times every analysis on a trace: `cargo run --release -p gotv-analysis --example timings FILE…`
//! (the budget is well under a second per analysis on a 200 MB trace, once decoded).

use std::time::Instant;

use gotv_analysis::*;

/// `GOTV_TIMINGS_REPEAT=N` runs each analysis N times and prints the fastest (this machine is
/// shared and noisy); the trace is decoded once. `GOTV_TIMINGS_ONLY=counters` (or another
/// step's name) times only that step, besides what it needs, e.g. to profile it under `perf`.
struct Steps {
    repeat: usize,
    only: Option<String>,
}

impl Steps {
    fn timed<T>(&self, what: &str, f: impl Fn() -> T) -> Option<T> {
        if self.only.as_ref().is_some_and(|o| o != what) {
            return None;
        }
        Some(self.run(what, self.repeat, f))
    }

    /// A step others need: run (once, untimed by `only`) whatever is asked.
    fn needed<T>(&self, what: &str, f: impl Fn() -> T) -> T {
        let repeat = if self.only.as_ref().is_none_or(|o| o == what) { self.repeat } else { 1 };
        self.run(what, repeat, f)
    }

    fn run<T>(&self, what: &str, repeat: usize, f: impl Fn() -> T) -> T {
        let mut best = f64::INFINITY;
        let mut r = None;
        for _ in 0..repeat {
            drop(r.take());
            let t = Instant::now();
            r = Some(f());
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("  {what:<12} {:>8.1} ms", best * 1e3);
        r.unwrap()
    }
}

fn main() {
    let steps = Steps {
        repeat: std::env::var("GOTV_TIMINGS_REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(1).max(1),
        only: std::env::var("GOTV_TIMINGS_ONLY").ok(),
    };
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).unwrap();
        let v1 = gotv_decode::read_header(&data).is_ok_and(|v| v.format() == gotv_decode::Format::V1);
        let d = steps.run("decode", 1, || if v1 { gotv_decode::v1::decode(&data) } else { gotv_decode::decode(&data) });
        let trace = &d.trace;
        println!("{path}: {} events", trace.len());
        let gs = steps.needed("goroutines", || goroutines(trace));
        for kind in ProfileKind::ALL {
            steps.timed(&format!("pprof {}", kind.name()), || profile(trace, &gs, kind));
        }
        steps.timed("pprof ×4", || profiles(trace, &gs, &ProfileKind::ALL));
        if steps.only.as_ref().is_none_or(|o| o == "findings") {
            let (sync, g) = (profile(trace, &gs, ProfileKind::Sync), gc(trace, 0));
            steps.timed("findings", || findings(trace, &gs, &g, &sync));
        }
        steps.timed("summary", || summary(trace));
        steps.timed("gc", || gc(trace, 0));
        steps.timed("gc 1ms", || gc(trace, 1_000_000));
        steps.timed("counters", || counters(trace, 0));
        steps.timed("counters 1ms", || counters(trace, 1_000_000));
        if steps.only.as_ref().is_none_or(|o| o.starts_with("mmu")) {
            let m = steps.needed("mmu", || mmu_curve(trace, MmuFlags::default()));
            // The page's GC view lists the worst 10 ms windows.
            steps.timed("mmu worst", || worst_windows(&m.series, 10_000_000, 10));
        }
        steps.timed("annotations", || annotations(trace, &gs));
        steps.timed("task instances", || task_instances(trace));
        steps.timed("cpu samples", || cpu_samples(trace));
    }
}
