//! Draws one frame of the timeline. Work per frame is bounded by pixels, not events: whenever
//! spans get narrower than a pixel, everything up to the next pixel is drawn as one column and
//! skipped with a binary search, so a lane with millions of spans costs a few thousand steps.

use super::goroutine::{flows, States};
use super::layout::{Layout, Row, COUNTER_H, GROUP_H, LANE_H, RANGE_H};
use super::model::{CounterRow, Lane, Model, Range, Spans, GC_ROW, STW_ROW};
use super::paint::{Painter, Rgb};
use super::viewport::{Viewport, AXIS, GUTTER};
use crate::protocol::Frame;
use gotv_analysis::grouped;
use gotv_decode::{GoId, GoState, Trace};

const BACKGROUND: Rgb = Rgb(255, 255, 255);
const GUTTER_BG: Rgb = Rgb(245, 246, 248);
const TEXT: Rgb = Rgb(32, 33, 36);
const MUTED: Rgb = Rgb(95, 99, 104);
const GRID: Rgb = Rgb(228, 230, 234);
const RUNNABLE: Rgb = Rgb(206, 212, 222);
const WAITING: Rgb = Rgb(238, 240, 243);
const SYSCALL: Rgb = Rgb(142, 108, 196);
const GC: Rgb = Rgb(230, 120, 60);
const STW: Rgb = Rgb(200, 50, 50);
const SELECTED: Rgb = Rgb(0, 0, 0);
const ARROW: Rgb = Rgb(25, 103, 210);
const SERIES: [Rgb; 3] = [Rgb(76, 140, 200), Rgb(232, 162, 58), Rgb(198, 66, 66)];
const FONT_BASELINE: f64 = 5.0;

pub struct Scene<'a> {
    pub trace: &'a Trace,
    pub model: &'a Model,
}

impl<'a> Scene<'a> {
    /// The lanes per P or per thread, as the frame asks.
    pub fn lanes(&self, frame: &Frame) -> &'a [Lane] {
        self.model.lanes(self.trace, frame.by_thread)
    }

    pub fn layout(&self, frame: &Frame) -> Layout {
        Layout::new(self.model, frame, self.lanes(frame).len())
    }

    /// Draws `frame` and returns the height of all rows (for scrolling).
    pub fn render(&self, frame: &Frame, p: &mut impl Painter) -> f64 {
        let v = &frame.view;
        let layout = self.layout(frame);
        p.rect(0.0, 0.0, v.width, v.height, BACKGROUND);
        p.clip(0.0, AXIS, v.width, v.height - AXIS);
        let top = v.scroll_y;
        let bottom = v.scroll_y + v.height - AXIS;
        let first = layout.blocks.partition_point(|b| b.y + b.h <= top);
        for block in layout.blocks[first..].iter().take_while(|b| b.y < bottom) {
            let y = AXIS + block.y - v.scroll_y;
            p.clip(GUTTER, AXIS, v.width - GUTTER, v.height - AXIS);
            self.row(frame, block.row, y, block.h, p);
            p.unclip();
            self.label(frame, block.row, y, p);
            p.rect(0.0, y + block.h - 0.5, v.width, 0.5, GRID);
        }
        if let Some(g) = frame.selected {
            p.clip(GUTTER, AXIS, v.width - GUTTER, v.height - AXIS);
            self.arrows(frame, &layout, g, p);
            p.unclip();
        }
        p.unclip();
        axis(v, self.model.start_ns, &frame.labels.time_axis, p);
        layout.height
    }

    fn row(&self, frame: &Frame, row: Row, y: f64, h: f64, p: &mut impl Painter) {
        let v = &frame.view;
        let selected = frame.selected.and_then(|id| self.model.goroutines.index(id));
        match row {
            Row::Counter(i) => counter(v, &self.model.counters[i], self.model.end_ns, y, h, p),
            Row::Gc => ranges(v, &self.model.gc, GC, y, h, p),
            Row::Stw => ranges(v, &self.model.stw, STW, y, h, p),
            Row::Lane(i) => {
                if let Some(lane) = self.lanes(frame).get(i) {
                    self.spans(v, &lane.spans, selected, y, h, p);
                }
            }
            Row::Group(g) => {
                if let Some(group) = self.model.goroutines.groups.get(g as usize) {
                    p.rect(GUTTER, y, v.width - GUTTER, h, GUTTER_BG);
                    let hint = if frame.expanded.contains(&g) { "" } else { frame.labels.expand.as_str() };
                    let labels = &frame.labels;
                    let text = match group.members.len() {
                        1 => labels.group_one.clone(),
                        n => labels.group.replace("{n}", &grouped(n as u64)),
                    } + hint;
                    p.text(GUTTER + 6.0, y + h - FONT_BASELINE - 1.0, &text, MUTED, v.width - GUTTER);
                }
            }
            Row::Members(g) => {
                let Some(group) = self.model.goroutines.groups.get(g as usize) else { return };
                let (from, count) = visible_members(v, y);
                for (k, &m) in group.members.iter().enumerate().skip(from).take(count) {
                    let lane_y = y + k as f64 * LANE_H;
                    self.goroutine_lane(v, m, selected == Some(m), lane_y, p);
                }
            }
        }
    }

    fn label(&self, frame: &Frame, row: Row, y: f64, p: &mut impl Painter) {
        let m = self.model;
        let v = &frame.view;
        p.rect(0.0, y, GUTTER, row_height(row, m), GUTTER_BG);
        let mut put =
            |text: &str, top: f64, h: f64| p.text(8.0, top + h / 2.0 + FONT_BASELINE - 1.0, text, TEXT, GUTTER - 12.0);
        match row {
            Row::Counter(i) => {
                let row = &m.counters[i];
                let title = frame.labels.counters.iter().find(|c| c.0 == row.label).map_or(row.label, |c| c.1.as_str());
                put(title, y, COUNTER_H / 2.0);
                let mut x = 8.0;
                for (k, name) in row.series.iter().enumerate() {
                    p.rect(x, y + 25.0, 8.0, 8.0, SERIES[k % SERIES.len()]);
                    p.text(x + 11.0, y + 33.0, name, MUTED, GUTTER - x - 11.0);
                    x += 17.0 + name.len() as f64 * 6.0;
                }
            }
            Row::Gc => put(GC_ROW, y, RANGE_H),
            Row::Stw => put(STW_ROW, y, RANGE_H),
            Row::Lane(i) => {
                if let Some(lane) = self.lanes(frame).get(i) {
                    put(&lane.name(frame.by_thread), y, LANE_H);
                }
            }
            Row::Group(g) => {
                if let Some(group) = m.goroutines.groups.get(g as usize) {
                    let arrow = if frame.expanded.contains(&g) { "▾" } else { "▸" };
                    put(&format!("{arrow} {}", group.name), y, GROUP_H);
                }
            }
            Row::Members(g) => {
                let Some(group) = m.goroutines.groups.get(g as usize) else { return };
                let (from, count) = visible_members(v, y);
                for (k, &member) in group.members.iter().enumerate().skip(from).take(count) {
                    put(&format!("   G{}", m.goroutines.ids[member as usize]), y + k as f64 * LANE_H, LANE_H);
                }
            }
        }
    }

    fn spans(&self, v: &Viewport, spans: &Spans, selected: Option<u32>, y: f64, h: f64, p: &mut impl Painter) {
        let (trace, m) = (self.trace, self.model);
        let mut i = spans.first_ending_after(trace, v.start_ns);
        while i < spans.len() {
            let s = spans.get(trace, (m.start_ns, m.end_ns), i);
            if s.start_ns as f64 > v.end_ns {
                break;
            }
            let color = if s.state == GoState::Syscall { SYSCALL } else { m.goroutines.color(s.goroutine) };
            let (x0, x1) = (v.x(s.start_ns as f64).max(GUTTER - 1.0), v.x(s.end_ns as f64).min(v.width + 1.0));
            if x1 - x0 >= 1.0 {
                p.rect(x0, y + 1.0, x1 - x0, h - 2.0, color);
                if selected == Some(s.goroutine) {
                    outline(p, x0, y + 1.0, x1 - x0, h - 2.0);
                }
                if x1 - x0 > 36.0 {
                    let id = m.goroutines.ids[s.goroutine as usize];
                    let label = format!("G{id} {}", m.goroutines.name(s.goroutine));
                    p.text(x0 + 3.0, y + h - FONT_BASELINE - 1.0, &label, TEXT, x1 - x0 - 6.0);
                }
                i += 1;
            } else {
                // Everything until the next pixel is one column, in the color of its first span.
                let px = x0.floor();
                p.column(px, y + 1.0, 1.0, h - 2.0, color);
                // The spans before i end before this pixel's right edge.
                i = spans.first_ending_after_from(trace, v.time_at(px + 1.0), i).max(i + 1);
            }
        }
    }

    fn goroutine_lane(&self, v: &Viewport, member: u32, selected: bool, y: f64, p: &mut impl Painter) {
        let m = self.model;
        let id = m.goroutines.ids[member as usize];
        let running = m.goroutines.color(member);
        goroutine_states(self.trace, id, (m.start_ns, m.end_ns), v, (running, selected), y, p);
    }

    /// Flow arrows for the selected goroutine: from its creation and from every unblock to the
    /// start that followed, on whichever P (or thread) each happened.
    fn arrows(&self, frame: &Frame, layout: &Layout, id: GoId, p: &mut impl Painter) {
        let v = &frame.view;
        let lanes = self.lanes(frame);
        let lane_mid = |lane_id: i64| {
            let i = lanes.binary_search_by_key(&lane_id, |l| l.id).ok()?;
            Some(AXIS + layout.lane_y(i)? - v.scroll_y + LANE_H / 2.0)
        };
        // One arrow a pixel: more would draw over each other, each read from the trace.
        for f in flows(self.trace, id, (v.start_ns, v.end_ns), v.ns_per_px()) {
            let (from, to) = if frame.by_thread { (f.from_thread, f.to_thread) } else { (f.from_proc, f.to_proc) };
            let (Some(y0), Some(y1)) = (lane_mid(from), lane_mid(to)) else { continue };
            let (x0, x1) = (v.x(f.from_ns as f64), v.x(f.to_ns as f64));
            p.line(&[(x0, y0), (x1, y1)], ARROW, 1.5);
            let angle = (y1 - y0).atan2(x1 - x0);
            let head = |a: f64| (x1 - 7.0 * (angle + a).cos(), y1 - 7.0 * (angle + a).sin());
            p.line(&[head(0.45), (x1, y1), head(-0.45)], ARROW, 1.5);
        }
    }
}

/// A goroutine's states in view on its lane at `y`, its running time in `running` (outlined if
/// `selected`). Where they change faster than pixels, a column is drawn in the color of its
/// first state that is not waiting, and the rest of the column's changes are not read.
pub(super) fn goroutine_states(
    trace: &Trace,
    id: GoId,
    bounds: (i64, i64),
    v: &Viewport,
    (running, selected): (Rgb, bool),
    y: f64,
    p: &mut impl Painter,
) {
    let mut column = f64::NEG_INFINITY;
    let mut spans = States::new(trace, id, bounds, v.start_ns);
    while let Some(seg) = spans.next() {
        if seg.start_ns as f64 > v.end_ns {
            break;
        }
        let color = match seg.state {
            GoState::Running => running,
            GoState::Runnable => RUNNABLE,
            GoState::Syscall => SYSCALL,
            _ => WAITING,
        };
        let (x0, x1) = (v.x(seg.start_ns as f64).max(GUTTER - 1.0), v.x(seg.end_ns as f64).min(v.width + 1.0));
        if x1 - x0 >= 1.0 {
            p.rect(x0, y + 1.0, x1 - x0, LANE_H - 2.0, color);
            if selected && seg.state.executing() {
                outline(p, x0, y + 1.0, x1 - x0, LANE_H - 2.0);
            }
            column = x1.floor();
        } else if x0.floor() > column && seg.state != GoState::Waiting {
            column = x0.floor();
            p.column(column, y + 1.0, 1.0, LANE_H - 2.0, color);
            spans.skip_to(v.time_at(column + 1.0));
        }
    }
}

/// Which lanes of a members block whose top is at screen `y` are on screen.
fn visible_members(v: &Viewport, y: f64) -> (usize, usize) {
    let from = ((AXIS - y) / LANE_H).floor().max(0.0) as usize;
    (from, ((v.height - AXIS) / LANE_H).ceil() as usize + 1)
}

fn row_height(row: Row, m: &Model) -> f64 {
    match row {
        Row::Counter(_) => COUNTER_H,
        Row::Gc | Row::Stw => RANGE_H,
        Row::Lane(_) => LANE_H,
        Row::Group(_) => GROUP_H,
        Row::Members(g) => m.goroutines.groups.get(g as usize).map_or(0.0, |g| g.members.len() as f64 * LANE_H),
    }
}

fn outline(p: &mut impl Painter, x: f64, y: f64, w: f64, h: f64) {
    p.rect(x, y, w, 1.5, SELECTED);
    p.rect(x, y + h - 1.5, w, 1.5, SELECTED);
    p.rect(x, y, 1.5, h, SELECTED);
    p.rect(x + w - 1.5, y, 1.5, h, SELECTED);
}

/// A stacked step chart, at most one column per pixel (the highest values within it).
fn counter(v: &Viewport, row: &CounterRow, end_ns: i64, y: f64, h: f64, p: &mut impl Painter) {
    let max = row.max_total;
    let row = row.level(v.ns_per_px());
    if max <= 0.0 || row.times.is_empty() {
        return;
    }
    let scale = (h - 4.0) / max;
    let bottom = y + h - 1.0;
    let series = row.values.len().min(MAX_SERIES);
    let mut draw = |x0: f64, x1: f64, values: &Values| {
        // Whole pixels: steps drawn at fractional edges leave hairline seams between them.
        let (x0, x1) = (x0.floor(), x1.ceil());
        let mut top = bottom;
        for (k, v) in values[..series].iter().enumerate() {
            let hh = v * scale;
            p.column(x0, top - hh, x1 - x0, hh, SERIES[k % SERIES.len()]);
            top -= hh;
        }
    };
    // Zoomed out there are dozens of points per pixel: no allocation per point.
    let values_at = |i: usize| {
        let mut out = [0.0; MAX_SERIES];
        for (o, s) in out.iter_mut().zip(&row.values) {
            *o = s[i];
        }
        out
    };
    let mut i = row.times.partition_point(|&t| (t as f64) <= v.start_ns).saturating_sub(1);
    let mut column: Option<(f64, Values)> = None;
    while i < row.times.len() && (row.times[i] as f64) <= v.end_ns {
        let next = row.times.get(i + 1).copied().unwrap_or(end_ns);
        let (x0, x1) = (v.x(row.times[i] as f64).max(GUTTER - 1.0), v.x(next as f64).min(v.width + 1.0));
        let px = x0.floor();
        if let Some((cx, vals)) = column.filter(|c| c.0 != px || x1 - x0 >= 1.0) {
            draw(cx, cx + 1.0, &vals);
            column = None;
        }
        if x1 - x0 >= 1.0 {
            draw(x0, x1, &values_at(i));
        } else {
            let vals = values_at(i);
            match &mut column {
                Some((_, acc)) => acc.iter_mut().zip(&vals).for_each(|(a, b)| *a = a.max(*b)),
                None => column = Some((px, vals)),
            }
        }
        i += 1;
    }
    if let Some((cx, vals)) = column {
        draw(cx, cx + 1.0, &vals);
    }
}

/// Counter rows have at most this many series (the goroutine row's three).
const MAX_SERIES: usize = 3;
type Values = [f64; MAX_SERIES];

/// GC cycles or pauses: sorted by start, drawn with the same per-pixel merging as spans.
fn ranges(v: &Viewport, ranges: &[Range], color: Rgb, y: f64, h: f64, p: &mut impl Painter) {
    let mut i = ranges.partition_point(|r| (r.end_ns as f64) < v.start_ns);
    while i < ranges.len() && (ranges[i].start_ns as f64) <= v.end_ns {
        let r = &ranges[i];
        let (x0, x1) = (v.x(r.start_ns as f64).max(GUTTER - 1.0), v.x(r.end_ns as f64).min(v.width + 1.0));
        p.rect(x0, y + 2.0, (x1 - x0).max(1.0), h - 4.0, color);
        if x1 - x0 > 40.0 {
            p.text(x0 + 3.0, y + h - FONT_BASELINE, &r.label, Rgb(255, 255, 255), x1 - x0 - 6.0);
        }
        i = if x1 - x0 >= 1.0 {
            i + 1
        } else {
            ranges.partition_point(|r| (r.end_ns as f64) < v.time_at(x0.floor() + 1.0)).max(i + 1)
        };
    }
}

/// Ticks every 1, 2 or 5 × 10^k ns, about every 100 px, labelled from the trace's start.
fn axis(v: &Viewport, origin_ns: i64, title: &str, p: &mut impl Painter) {
    p.rect(0.0, 0.0, v.width, AXIS, GUTTER_BG);
    p.rect(0.0, AXIS - 1.0, v.width, 1.0, GRID);
    let step = nice_step(v.ns_per_px() * 100.0);
    let rel0 = v.start_ns - origin_ns as f64;
    let mut t = (rel0 / step).ceil() * step;
    while t <= v.end_ns - origin_ns as f64 {
        let x = v.x(t + origin_ns as f64);
        if x >= GUTTER {
            p.rect(x, AXIS - 6.0, 1.0, 6.0, MUTED);
            p.text(x + 3.0, AXIS - 8.0, &tick_label(t, step), TEXT, 96.0);
        }
        t += step;
    }
    p.text(8.0, AXIS - 8.0, title, MUTED, GUTTER - 12.0);
}

pub fn nice_step(approx: f64) -> f64 {
    let approx = approx.max(1.0);
    let pow = 10f64.powf(approx.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * pow).find(|s| *s >= approx).unwrap_or(10.0 * pow)
}

/// A tick's time with as many decimals as the step needs.
pub fn tick_label(t_ns: f64, step_ns: f64) -> String {
    let (unit, div) = match step_ns {
        s if s >= 1e9 => ("s", 1e9),
        s if s >= 1e6 => ("ms", 1e6),
        s if s >= 1e3 => ("µs", 1e3),
        _ => ("ns", 1.0),
    };
    let decimals = ((div / step_ns).log10().ceil().max(0.0)) as usize;
    let value = t_ns / div;
    // The tick at the trace's start may come out of the arithmetic as -0.000….
    let value = if value.abs() < 0.5 * 10f64.powi(-(decimals as i32)) { 0.0 } else { value };
    format!("{value:.decimals$}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_labelled_with_the_digits_they_need() {
        assert_eq!(nice_step(130.0), 200.0);
        assert_eq!(nice_step(3_000_000.0), 5_000_000.0);
        assert_eq!(tick_label(50_000_000.0, 10_000_000.0), "50ms");
        assert_eq!(tick_label(1_250_000.0, 250_000.0), "1250µs");
        assert_eq!(tick_label(1_500_000_000.0, 500_000_000.0), "1500ms");
        assert_eq!(tick_label(3e9, 1e9), "3s");
        assert_eq!(tick_label(-1e-9, 10_000_000.0), "0ms");
        assert_eq!(tick_label(2_500.0, 500.0), "2500ns");
    }
}
