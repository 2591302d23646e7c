//! The timeline natively, to profile what the page's worker does between decoding and the first
//! paint and what each frame costs: `cargo run --release -p gotv-web --example timeline FILE`.
//! Frames are drawn into a painter that only counts, at every zoom level from the whole trace
//! to a few microseconds, so the times are the renderer's own (the browser's canvas adds its
//! part; `cargo xtask bench-web` measures both together).

use gotv_web::protocol::{Frame, TimelineLabels};
use gotv_web::timeline::paint::{Painter, Rgb};
use gotv_web::timeline::{Model, Scene, Viewport};
use std::time::Instant;

#[derive(Default)]
struct Counter {
    rects: usize,
    texts: usize,
    lines: usize,
}

impl Painter for Counter {
    fn rect(&mut self, _: f64, _: f64, _: f64, _: f64, _: Rgb) {
        self.rects += 1;
    }
    fn text(&mut self, _: f64, _: f64, _: &str, _: Rgb, _: f64) {
        self.texts += 1;
    }
    fn line(&mut self, _: &[(f64, f64)], _: Rgb, _: f64) {
        self.lines += 1;
    }
    fn clip(&mut self, _: f64, _: f64, _: f64, _: f64) {}
    fn unclip(&mut self) {}
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    eprintln!("  {what:<16} {:>9.1} ms", t.elapsed().as_secs_f64() * 1e3);
    r
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: timeline FILE");
        std::process::exit(2);
    };
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let trace = timed("decode", || gotv_decode::decode(&data)).trace;
    drop(data);
    let gs = timed("goroutines", || gotv_analysis::goroutines(&trace));
    let span = gs.trace_end_ns.saturating_sub(gs.trace_start_ns);
    let gc = timed("gc", || gotv_analysis::gc(&trace, gotv_analysis::plot_resolution(span)));
    let mut model = timed("Model::new", || Model::new(&trace, &gs, &gc));
    timed("add_counters", || model.add_counters(&trace));
    // Built when a frame first shows lanes per thread.
    timed("lanes per thread", || model.lanes(&trace, true).len());
    let scene = Scene { trace: &trace, model: &model };

    let mut frame = Frame {
        view: Viewport::new(model.start_ns, model.end_ns, 1240.0, 640.0, 1.0),
        by_thread: false,
        expanded: Vec::new(),
        selected: None,
        // The words cost the same in any language; the page's English ones.
        labels: TimelineLabels {
            time_axis: "time since start".into(),
            group: "{n} goroutines".into(),
            group_one: "1 goroutine".into(),
            expand: " — click to show a lane per goroutine".into(),
            counters: Vec::new(),
        },
    };
    let sweep = |what: &str, frame: &mut Frame| {
        let mut times = Vec::new();
        let start = frame.view;
        let mut draw = |frame: &Frame, level: Option<usize>| {
            let mut c = Counter::default();
            let t = Instant::now();
            scene.render(frame, &mut c);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            times.push(ms);
            if let Some(level) = level.filter(|l| l % 5 == 0) {
                eprintln!(
                    "  zoom 1.25^{level:<2} {:>12.0} ns wide: {ms:>7.2} ms, {} rects {} texts {} lines",
                    frame.view.span_ns(),
                    c.rects,
                    c.texts,
                    c.lines
                );
            }
        };
        for level in 0..=60 {
            draw(frame, Some(level));
            for pan in [0.1, -0.1] {
                frame.view.pan(pan);
                draw(frame, None);
            }
            frame.view.zoom_at(180.0 + 1060.0 * [0.5, 0.3, 0.7][level % 3], 1.25);
        }
        frame.view = start;
        times.sort_by(f64::total_cmp);
        let at = |p: f64| times[((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
        println!(
            "{what}: {} frames: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            times.len(),
            at(0.5),
            at(0.95),
            at(1.0)
        );
    };
    sweep("nothing selected", &mut frame);
    // The goroutines that cost the most to select (their lane and arrows are drawn in every
    // frame): the one with the most state changes, and the one with the most events (G1 of a
    // trace that starts millions of goroutines).
    let most = |n: &dyn Fn(i64) -> usize| trace.goroutine_ids().iter().copied().max_by_key(|&id| n(id));
    let changes = timed("index of changes", || most(&|id| trace.goroutine_transitions(id).len()));
    let events = timed("index of events", || most(&|id| trace.goroutine_events(id).len()));
    let mut costliest: Vec<i64> = [changes, events].into_iter().flatten().collect();
    costliest.dedup();
    for id in costliest {
        frame.selected = Some(id);
        let (n, e) = (trace.goroutine_transitions(id).len(), trace.goroutine_events(id).len());
        sweep(&format!("G{id} selected ({n} state changes, {e} events)"), &mut frame);
    }
}
