//! Where the timeline looks: a time range across the plot, a vertical scroll offset, and the
//! canvas size. The navigation go tool trace teaches (W/S zoom at the mouse, A/D pan, drag,
//! wheel, fit) is arithmetic on this, kept free of the DOM so it is tested natively.

use serde::{Deserialize, Serialize};

/// Width of the lane labels at the left, in CSS pixels.
pub const GUTTER: f64 = 180.0;
/// Height of the time axis at the top; it does not scroll.
pub const AXIS: f64 = 24.0;
/// Never zoom in past this many nanoseconds across the plot.
const MIN_SPAN_NS: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Viewport {
    pub start_ns: f64,
    pub end_ns: f64,
    /// How far the rows are scrolled up, in CSS pixels.
    pub scroll_y: f64,
    /// Canvas size in CSS pixels, and device pixels per CSS pixel.
    pub width: f64,
    pub height: f64,
    pub dpr: f64,
}

impl Viewport {
    pub fn new(start_ns: i64, end_ns: i64, width: f64, height: f64, dpr: f64) -> Viewport {
        let mut v = Viewport { start_ns: 0.0, end_ns: 1.0, scroll_y: 0.0, width, height, dpr };
        v.fit(start_ns, end_ns);
        v
    }

    pub fn plot_width(&self) -> f64 {
        (self.width - GUTTER).max(1.0)
    }

    pub fn span_ns(&self) -> f64 {
        self.end_ns - self.start_ns
    }

    pub fn ns_per_px(&self) -> f64 {
        self.span_ns() / self.plot_width()
    }

    /// The canvas x of a time (may be outside the plot).
    pub fn x(&self, t_ns: f64) -> f64 {
        GUTTER + (t_ns - self.start_ns) / self.ns_per_px()
    }

    /// The time under a canvas x.
    pub fn time_at(&self, x: f64) -> f64 {
        self.start_ns + (x - GUTTER) * self.ns_per_px()
    }

    /// The whole trace, with a little margin so the first and last events are visible.
    pub fn fit(&mut self, start_ns: i64, end_ns: i64) {
        let span = (end_ns as f64 - start_ns as f64).max(MIN_SPAN_NS);
        self.start_ns = start_ns as f64 - span * 0.01;
        self.end_ns = end_ns as f64 + span * 0.01;
    }

    /// Zooms by `factor` (> 1 zooms in) keeping the time under canvas x where it is.
    pub fn zoom_at(&mut self, x: f64, factor: f64) {
        let x = x.clamp(GUTTER, self.width.max(GUTTER + 1.0));
        let anchor = self.time_at(x);
        let span = (self.span_ns() / factor).max(MIN_SPAN_NS);
        let left = (x - GUTTER) / self.plot_width();
        self.start_ns = anchor - span * left;
        self.end_ns = self.start_ns + span;
    }

    /// Moves the view by a fraction of its width (positive: later in time).
    pub fn pan(&mut self, fraction: f64) {
        let d = self.span_ns() * fraction;
        self.start_ns += d;
        self.end_ns += d;
    }

    /// Moves the view by a drag of `dx` CSS pixels (content follows the pointer).
    pub fn drag(&mut self, dx: f64, dy: f64, content_height: f64) {
        self.pan(-dx / self.plot_width());
        self.scroll(-dy, content_height);
    }

    pub fn scroll(&mut self, dy: f64, content_height: f64) {
        let max = (content_height - (self.height - AXIS)).max(0.0);
        self.scroll_y = (self.scroll_y + dy).clamp(0.0, max);
    }

    /// Shows exactly `[start, end]`, as when a link or selection asks for a range.
    pub fn show(&mut self, start_ns: f64, end_ns: f64) {
        let span = (end_ns - start_ns).max(MIN_SPAN_NS);
        self.start_ns = start_ns;
        self.end_ns = start_ns + span;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> Viewport {
        Viewport { start_ns: 0.0, end_ns: 1000.0, scroll_y: 0.0, width: GUTTER + 1000.0, height: 500.0, dpr: 1.0 }
    }

    #[test]
    fn zoom_keeps_the_time_under_the_mouse() {
        let mut v = view();
        let x = GUTTER + 250.0;
        v.zoom_at(x, 2.0);
        assert!((v.time_at(x) - 250.0).abs() < 1e-9);
        assert!((v.span_ns() - 500.0).abs() < 1e-9);
        v.zoom_at(x, 0.5);
        assert!((v.start_ns, v.end_ns) == (0.0, 1000.0));
    }

    #[test]
    fn zoom_stops_at_the_minimum_span() {
        let mut v = view();
        for _ in 0..100 {
            v.zoom_at(GUTTER, 10.0);
        }
        assert!((v.span_ns() - MIN_SPAN_NS).abs() < 1e-9);
    }

    #[test]
    fn pan_and_drag_move_by_the_plot_width() {
        let mut v = view();
        v.pan(0.1);
        assert_eq!((v.start_ns, v.end_ns), (100.0, 1100.0));
        v.drag(100.0, 0.0, 0.0);
        assert_eq!((v.start_ns, v.end_ns), (0.0, 1000.0));
    }

    #[test]
    fn scrolling_stays_within_the_rows() {
        let mut v = view();
        v.scroll(10_000.0, 800.0);
        assert_eq!(v.scroll_y, 800.0 - (500.0 - AXIS));
        v.scroll(-10_000.0, 800.0);
        assert_eq!(v.scroll_y, 0.0);
        v.scroll(50.0, 100.0);
        assert_eq!(v.scroll_y, 0.0, "everything fits: nothing to scroll");
    }

    #[test]
    fn fit_shows_the_whole_trace() {
        let mut v = view();
        v.zoom_at(GUTTER + 10.0, 50.0);
        v.fit(5_000, 15_000);
        assert!(v.start_ns < 5_000.0 && v.end_ns > 15_000.0 && v.span_ns() < 11_000.0);
    }
}
