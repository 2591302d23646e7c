//! The page's side of the timeline: the frame it asks the worker to draw, and the bookkeeping
//! that keeps one frame in flight at a time (input faster than frames is merged, not queued).

use crate::protocol::{Frame, Loaded, Rendered};
use crate::timeline::Viewport;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

/// The view's size before the host has one: any, since nothing is drawn at it.
const STAND_IN: (f64, f64) = (1000.0, 600.0);

/// Frame times kept for the benchmark (`globalThis.gotvFrames`).
const FRAMES_KEPT: u32 = 10_000;

pub struct Nav {
    pub frame: Frame,
    /// Trace start and end (ns): times shown are relative to the start.
    pub origin_ns: i64,
    end_ns: i64,
    pub content_height: f64,
    pub in_flight: bool,
    /// The view has the host's real size, not a stand-in from before the host was laid out.
    pub sized: bool,
    /// Something changed while a frame was being drawn: draw again when it arrives.
    pub dirty: bool,
    /// Frames asked for and frames drawn: equal when the canvas shows the current state.
    asked: u64,
    frames: u64,
}

impl Nav {
    /// `size`: the host's, if it has been laid out; until then nothing is drawn.
    pub fn new(loaded: &Loaded, size: Option<(f64, f64)>, dpr: f64) -> Nav {
        let (width, height) = size.unwrap_or(STAND_IN);
        Nav {
            frame: Frame {
                view: Viewport::new(loaded.start_ns, loaded.end_ns, width, height, dpr),
                by_thread: false,
                expanded: Vec::new(),
                selected: None,
                labels: super::i18n::timeline_labels(),
            },
            origin_ns: loaded.start_ns,
            end_ns: loaded.end_ns,
            content_height: 0.0,
            in_flight: false,
            sized: size.is_some(),
            dirty: false,
            asked: 0,
            frames: 0,
        }
    }

    pub fn fit(&mut self) {
        self.frame.view.fit(self.origin_ns, self.end_ns);
    }

    pub fn center_on(&mut self, t_ns: f64) {
        let half = self.frame.view.span_ns() / 2.0;
        self.frame.view.show(t_ns - half, t_ns + half);
    }

    pub fn toggle_group(&mut self, index: u32) {
        match self.frame.expanded.iter().position(|&g| g == index) {
            Some(i) => {
                self.frame.expanded.remove(i);
            }
            None => self.frame.expanded.push(index),
        }
    }

    /// The host's new size. The view keeps the time range it shows, so that the range a link
    /// names is what the reader sees, whatever the window and whether the details are open.
    pub fn resize(&mut self, width: f64, height: f64, dpr: f64) {
        let v = &mut self.frame.view;
        v.width = width;
        v.height = height;
        v.dpr = dpr;
        self.sized = true;
    }

    pub fn scroll(&mut self, dy: f64) {
        self.frame.view.scroll(dy, self.content_height);
    }

    pub fn drag(&mut self, dx: f64, dy: f64) {
        self.frame.view.drag(dx, dy, self.content_height);
    }

    /// A frame is being asked for. Tests and benchmarks read the visible range and frame
    /// counts from the host element.
    pub fn asking(&mut self, host: &Element) {
        self.asked += 1;
        let _ = host.set_attribute("data-frames-asked", &self.asked.to_string());
        let v = &self.frame.view;
        let set = |k: &str, val: String| {
            let _ = host.set_attribute(k, &val);
        };
        set("data-start-ns", format!("{:.0}", v.start_ns - self.origin_ns as f64));
        set("data-end-ns", format!("{:.0}", v.end_ns - self.origin_ns as f64));
        set("data-size", format!("{:.0}x{:.0}@{}", v.width, v.height, v.dpr));
        set("data-scroll-y", format!("{:.0}", v.scroll_y));
        set("data-by", (if self.frame.by_thread { "thread" } else { "proc" }).to_string());
        set("data-selected", self.frame.selected.map_or(String::new(), |g| g.to_string()));
    }

    pub fn rendered(&mut self, r: &Rendered, host: &Element) {
        self.in_flight = false;
        self.frames += 1;
        self.content_height = r.content_height;
        let _ = host.set_attribute("data-frames", &self.frames.to_string());
        let _ = host.set_attribute("data-content-height", &format!("{:.0}", r.content_height));
        record_frame_time(r.ms);
    }
}

fn record_frame_time(ms: f64) {
    let global = js_sys::global();
    let key = JsValue::from_str("gotvFrames");
    let frames = match js_sys::Reflect::get(&global, &key).ok().and_then(|v| v.dyn_into::<js_sys::Array>().ok()) {
        Some(a) => a,
        None => {
            let a = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&global, &key, &a);
            a
        }
    };
    if frames.length() >= FRAMES_KEPT {
        frames.shift();
    }
    frames.push(&JsValue::from_f64(ms));
}
