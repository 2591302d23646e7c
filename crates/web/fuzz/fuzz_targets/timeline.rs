//! The timeline of whatever any input decodes to, as the page builds and draws it for every
//! file it opens: the model, frames per P and per thread with every group open and a
//! goroutine selected (its arrows), clicks, and a goroutine's story. No panic.

#![no_main]

use gotv_web::protocol::{Frame, TimelineLabels};
use gotv_web::timeline::paint::{Painter, Rgb};
use gotv_web::timeline::{details, Model, Scene, Viewport, GUTTER};
use libfuzzer_sys::fuzz_target;

struct Nothing;

impl Painter for Nothing {
    fn rect(&mut self, _: f64, _: f64, _: f64, _: f64, _: Rgb) {}
    fn text(&mut self, _: f64, _: f64, _: &str, _: Rgb, _: f64) {}
    fn line(&mut self, _: &[(f64, f64)], _: Rgb, _: f64) {}
    fn clip(&mut self, _: f64, _: f64, _: f64, _: f64) {}
    fn unclip(&mut self) {}
}

fuzz_target!(|data: &[u8]| {
    let trace = gotv_decode::decode(data).trace;
    let gs = gotv_analysis::goroutines(&trace);
    let mut m = Model::new(&trace, &gs, &gotv_analysis::gc(&trace));
    m.add_counters(&trace);
    let scene = Scene { trace: &trace, model: &m };
    let selected = m.goroutines.ids.first().copied();
    for by_thread in [false, true] {
        let f = Frame {
            view: Viewport::new(m.start_ns, m.end_ns, 800.0, 2000.0, 1.0),
            by_thread,
            expanded: (0..m.goroutines.groups.len() as u32).collect(),
            selected,
            labels: TimelineLabels {
                time_axis: String::new(),
                group: "{n}".into(),
                group_one: String::new(),
                expand: String::new(),
                counters: Vec::new(),
            },
        };
        let height = scene.render(&f, &mut Nothing);
        for (x, y) in [(GUTTER + 1.0, 1.0), (400.0, height / 2.0), (799.0, height - 1.0)] {
            let _ = scene.pick(&f, x, y);
        }
    }
    if let Some(id) = selected {
        let _ = details(&trace, id, "");
    }
});
