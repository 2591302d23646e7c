//! plotters drawing on a page canvas. plotters-canvas would do, but plotters measures text
//! on wasm by inserting a `<span style="…">`, which the page's CSP forbids (and which panics
//! when refused); here text is measured by the canvas itself.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontTransform,
};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

pub struct CanvasBackend {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
}

#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanvasError {}

type Result<T = ()> = std::result::Result<T, DrawingErrorKind<CanvasError>>;

fn failed(e: wasm_bindgen::JsValue) -> DrawingErrorKind<CanvasError> {
    DrawingErrorKind::DrawingError(CanvasError(crate::js_error::describe(&e)))
}

fn css(c: BackendColor) -> String {
    let (r, g, b) = c.rgb;
    format!("rgba({r},{g},{b},{})", c.alpha)
}

impl CanvasBackend {
    pub fn new(canvas: HtmlCanvasElement) -> Option<CanvasBackend> {
        let ctx = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        Some(CanvasBackend { canvas, ctx })
    }

    fn stroke_style(&self, s: &impl BackendStyle) {
        self.ctx.set_stroke_style_str(&css(s.color()));
        self.ctx.set_line_width(s.stroke_width() as f64);
    }

    fn font(&self, s: &impl BackendTextStyle) {
        self.ctx.set_font(&format!("{} {}px {}", s.style().as_str(), s.size(), s.family().as_str()));
    }

    fn path(&self, points: impl IntoIterator<Item = BackendCoord>, offset: f64) {
        self.ctx.begin_path();
        for (i, (x, y)) in points.into_iter().enumerate() {
            let (x, y) = (x as f64 + offset, y as f64 + offset);
            if i == 0 {
                self.ctx.move_to(x, y);
            } else {
                self.ctx.line_to(x, y);
            }
        }
    }
}

impl DrawingBackend for CanvasBackend {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        (self.canvas.width(), self.canvas.height())
    }

    fn ensure_prepared(&mut self) -> Result {
        Ok(())
    }

    fn present(&mut self) -> Result {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Result {
        self.ctx.set_fill_style_str(&css(color));
        self.ctx.fill_rect(x as f64, y as f64, 1.0, 1.0);
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result {
        self.stroke_style(style);
        // Half-pixel offsets keep one-pixel lines sharp.
        self.path([from, to], 0.5);
        self.ctx.stroke();
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, style: &S, fill: bool) -> Result {
        let (x, y, w, h) = (a.0 as f64, a.1 as f64, (b.0 - a.0) as f64, (b.1 - a.1) as f64);
        if fill {
            self.ctx.set_fill_style_str(&css(style.color()));
            self.ctx.fill_rect(x, y, w, h);
        } else {
            self.stroke_style(style);
            self.ctx.stroke_rect(x + 0.5, y + 0.5, w, h);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result {
        self.stroke_style(style);
        self.path(path, 0.5);
        self.ctx.stroke();
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result {
        self.ctx.set_fill_style_str(&css(style.color()));
        self.path(vert, 0.0);
        self.ctx.close_path();
        self.ctx.fill();
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, style: &S, fill: bool) -> Result {
        self.ctx.begin_path();
        self.ctx.arc(c.0 as f64, c.1 as f64, r as f64, 0.0, std::f64::consts::TAU).map_err(failed)?;
        if fill {
            self.ctx.set_fill_style_str(&css(style.color()));
            self.ctx.fill();
        } else {
            self.stroke_style(style);
            self.ctx.stroke();
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32)> {
        self.font(style);
        let width = self.ctx.measure_text(text).map_err(failed)?.width();
        Ok((width.ceil() as u32, style.size().ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, (x, y): BackendCoord) -> Result {
        let angle = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 90.0,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
        };
        self.ctx.save();
        self.ctx.translate(x as f64, y as f64).map_err(failed)?;
        self.ctx.rotate(f64::to_radians(angle)).map_err(failed)?;
        self.ctx.set_text_baseline(match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        });
        self.ctx.set_text_align(match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        });
        self.ctx.set_fill_style_str(&css(style.color()));
        self.font(style);
        let drawn = self.ctx.fill_text(text, 0.0, 0.0).map_err(failed);
        self.ctx.restore();
        drawn
    }
}
