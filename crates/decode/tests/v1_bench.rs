//! Throughput of the v1 reader. Run with
//! `cargo test --release -p gotv-decode --test v1_bench -- --ignored --nocapture`.

use std::time::Instant;

use gotv_decode::v1;

#[test]
#[ignore = "benchmark: run in release mode"]
fn parse_throughput() {
    for name in ["v1-stress_1_11_good.trace", "v1-stress_1_7_good.trace", "v1-stress_1_21_good.trace"] {
        let path = format!("{}/../../tests/fixtures/go/{name}", env!("CARGO_MANIFEST_DIR"));
        let data = std::fs::read(&path).unwrap();
        let runs = 50;
        let best = |f: &dyn Fn() -> usize| {
            let mut best = f64::MAX;
            let mut events = 0;
            for _ in 0..runs {
                let start = Instant::now();
                events = f();
                best = best.min(start.elapsed().as_secs_f64());
            }
            (best, events)
        };
        let (parse, events) = best(&|| v1::parse(&data).unwrap().events.len());
        let (decode, model_events) = best(&|| v1::decode(&data).trace.len());
        for (what, secs, n) in [("parse+order", parse, events), ("+ conversion", decode, model_events)] {
            println!(
                "{name} {what}: {:.1} MB/s, {:.1} M events/s ({n} events, best of {runs}: {:.2} ms)",
                data.len() as f64 / secs / 1e6,
                n as f64 / secs / 1e6,
                secs * 1e3
            );
        }
    }
}
