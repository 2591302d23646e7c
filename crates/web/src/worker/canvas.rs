//! The timeline's drawing trait on an OffscreenCanvas, which the worker owns: frames are drawn
//! where the trace lives, and only the finished bitmap reaches the page.

use crate::timeline::paint::{Painter, Rgb};
use web_sys::{OffscreenCanvas, OffscreenCanvasRenderingContext2d as Context};

/// Approximate advance of the 12px UI font, to cut labels without measuring every one.
const CHAR_PX: f64 = 6.8;

pub struct Canvas {
    canvas: OffscreenCanvas,
    ctx: Context,
    /// The fill style last set: setting it means formatting and parsing a CSS color.
    fill: Option<Rgb>,
    /// Columns not drawn yet. A `fillRect` costs about a microsecond in Chromium, a rectangle
    /// added to a path a hundredth of that: columns are drawn as one path per color.
    columns: Vec<(Rgb, [f64; 4])>,
}

impl Canvas {
    pub fn new(canvas: OffscreenCanvas) -> Result<Canvas, String> {
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| wasm_bindgen::JsCast::dyn_into::<Context>(c).ok())
            .ok_or("the browser gave no 2D context for the timeline canvas")?;
        Ok(Canvas { canvas, ctx, fill: None, columns: Vec::new() })
    }

    /// Sizes the bitmap for the CSS size and device pixel ratio, so lines stay sharp on HiDPI.
    pub fn begin(&mut self, width: f64, height: f64, dpr: f64) {
        let (w, h) = ((width * dpr).round() as u32, (height * dpr).round() as u32);
        if self.canvas.width() != w || self.canvas.height() != h {
            self.canvas.set_width(w);
            self.canvas.set_height(h);
        }
        self.ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).ok();
        self.ctx.set_font("12px system-ui, -apple-system, 'Segoe UI', 'Hiragino Sans', 'Noto Sans JP', sans-serif");
        self.ctx.set_text_baseline("alphabetic");
        self.fill = None;
    }

    /// Draws the columns still pending; everything else is drawn over them, in call order.
    pub fn flush(&mut self) {
        if self.columns.is_empty() {
            return;
        }
        let mut columns = std::mem::take(&mut self.columns);
        // Stable, and columns do not overlap: the order within a color does not matter.
        columns.sort_by_key(|c| (c.0 .0, c.0 .1, c.0 .2));
        for run in columns.chunk_by(|a, b| a.0 == b.0) {
            self.fill(run[0].0);
            self.ctx.begin_path();
            for (_, [x, y, w, h]) in run {
                self.ctx.rect(*x, *y, *w, *h);
            }
            self.ctx.fill();
        }
        columns.clear();
        self.columns = columns;
    }

    fn fill(&mut self, color: Rgb) {
        if self.fill != Some(color) {
            self.ctx.set_fill_style_str(&color.css());
            self.fill = Some(color);
        }
    }
}

impl Painter for Canvas {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: Rgb) {
        self.flush();
        self.fill(color);
        self.ctx.fill_rect(x, y, w, h);
    }

    fn column(&mut self, x: f64, y: f64, w: f64, h: f64, color: Rgb) {
        self.columns.push((color, [x, y, w, h]));
    }

    fn text(&mut self, x: f64, y: f64, text: &str, color: Rgb, max_width: f64) {
        self.flush();
        let fits = (max_width / CHAR_PX) as usize;
        if fits < 2 {
            return;
        }
        self.fill(color);
        if text.chars().count() <= fits {
            self.ctx.fill_text(text, x, y).ok();
        } else {
            let cut: String = text.chars().take(fits - 1).chain(std::iter::once('…')).collect();
            self.ctx.fill_text(&cut, x, y).ok();
        }
    }

    fn line(&mut self, points: &[(f64, f64)], color: Rgb, width: f64) {
        self.flush();
        let Some(&(x0, y0)) = points.first() else { return };
        self.ctx.set_stroke_style_str(&color.css());
        self.ctx.set_line_width(width);
        self.ctx.begin_path();
        self.ctx.move_to(x0, y0);
        for &(x, y) in &points[1..] {
            self.ctx.line_to(x, y);
        }
        self.ctx.stroke();
    }

    fn clip(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.flush();
        self.ctx.save();
        self.ctx.begin_path();
        self.ctx.rect(x, y, w, h);
        self.ctx.clip();
    }

    fn unclip(&mut self) {
        self.flush();
        self.ctx.restore();
        // restore() brings back the fill style of save() time.
        self.fill = None;
    }
}
