//! Charts drawn with plotters into a page canvas: lines over time or over a log scale, and
//! the log-bucket histograms of Go's task and region pages.

use super::plot_backend::CanvasBackend;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

const HEIGHT: u32 = 260;
const FONT: (&str, u32) = ("system-ui, sans-serif", 13);

/// A line; its legend is the page's (plotters' legend measures text in a way the CSP
/// forbids).
pub struct Series {
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
}

/// How an axis shows its values.
pub type Format<'a> = &'a dyn Fn(&f64) -> String;

/// Sizes the canvas to its CSS width and gives plotters a white area on it.
fn area(canvas: &HtmlCanvasElement) -> Option<DrawingArea<CanvasBackend, Shift>> {
    let width = canvas.client_width().max(300) as u32;
    canvas.set_width(width);
    canvas.set_height(HEIGHT);
    let root = CanvasBackend::new(canvas.clone())?.into_drawing_area();
    root.fill(&WHITE).ok()?;
    Some(root)
}

/// Lines over `x` (log-scaled when `log_x`).
pub fn lines(
    canvas: &HtmlCanvasElement,
    series: &[Series],
    (x_desc, x_fmt): (&str, Format),
    (y_desc, y_fmt): (&str, Format),
    log_x: bool,
) -> Option<()> {
    let root = area(canvas)?;
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let y1 = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    if x0 >= x1 {
        return None;
    }
    let y_range = 0.0..(y1 * 1.05).max(1e-9);
    if log_x {
        draw_lines(&root, (x0..x1).log_scale(), y_range, series, (x_desc, x_fmt), (y_desc, y_fmt))
    } else {
        draw_lines(&root, x0..x1, y_range, series, (x_desc, x_fmt), (y_desc, y_fmt))
    }
}

fn draw_lines<X>(
    root: &DrawingArea<CanvasBackend, Shift>,
    x: X,
    y: std::ops::Range<f64>,
    series: &[Series],
    (x_desc, x_fmt): (&str, Format),
    (y_desc, y_fmt): (&str, Format),
) -> Option<()>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let mut chart =
        ChartBuilder::on(root).margin(12).x_label_area_size(40).y_label_area_size(80).build_cartesian_2d(x, y).ok()?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .label_style(FONT)
        .draw()
        .ok()?;
    for s in series {
        chart.draw_series(LineSeries::new(s.points.iter().copied(), s.color.stroke_width(2))).ok()?;
    }
    Some(())
}

/// Bars, one per bucket, labelled by `label(i)`.
pub fn histogram(
    canvas: &HtmlCanvasElement,
    counts: &[u64],
    label: &dyn Fn(usize) -> String,
    (x_desc, y_desc): (&str, &str),
) -> Option<()> {
    let root = area(canvas)?;
    let top = counts.iter().copied().max().unwrap_or(0).max(1);
    let n = counts.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((0..n).into_segmented(), 0..top + top / 10 + 1)
        .ok()?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => label(*i),
            _ => String::new(),
        })
        .label_style(FONT)
        .draw()
        .ok()?;
    chart
        .draw_series(
            Histogram::vertical(&chart)
                .style(RGBColor(0, 173, 216).filled())
                .margin(2)
                .data(counts.iter().enumerate().map(|(i, &c)| (i, c))),
        )
        .ok()?;
    Some(())
}
