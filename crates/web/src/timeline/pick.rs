//! What is under a click: a span (a goroutine running on a P or M, or one state of a
//! goroutine's own lane) or a group header.

use super::goroutine::{states, States};
use super::layout::{Row, LANE_H};
use super::render::Scene;
use super::viewport::{AXIS, GUTTER};
use crate::protocol::{Frame, Pick};

/// How far from a span a click still hits it, in CSS pixels: thin spans are hard to hit.
const SLOP_PX: f64 = 3.0;

impl Scene<'_> {
    /// Where goroutine `id`'s own lane is, in content coordinates, for scrolling it into view.
    pub fn lane_of(&self, frame: &Frame, id: i64) -> Option<f64> {
        let index = self.model.goroutines.index(id)?;
        self.layout(frame).goroutine_y(self.model, index)
    }

    pub fn pick(&self, frame: &Frame, x: f64, y: f64) -> Option<Pick> {
        let (v, m, trace) = (&frame.view, self.model, self.trace);
        if y < AXIS {
            return None;
        }
        let layout = self.layout(frame);
        let content_y = y - AXIS + v.scroll_y;
        let block = layout.at(content_y)?;
        let t = v.time_at(x);
        let slop = SLOP_PX * v.ns_per_px();
        match block.row {
            Row::Group(index) => Some(Pick::Group { index }),
            Row::Lane(i) if x >= GUTTER => {
                let spans = &self.lanes(frame).get(i)?.spans;
                let k = spans.first_ending_after(trace, t - slop);
                let s = (k < spans.len()).then(|| spans.get(trace, (m.start_ns, m.end_ns), k))?;
                (s.start_ns as f64 <= t + slop).then(|| Pick::Span {
                    goroutine: m.goroutines.ids[s.goroutine as usize],
                    start_ns: s.start_ns,
                    end_ns: s.end_ns,
                    state: s.state.name().to_string(),
                })
            }
            Row::Members(g) => {
                let k = ((content_y - block.y) / LANE_H).floor() as usize;
                let member = *m.goroutines.groups.get(g as usize)?.members.get(k)?;
                let id = m.goroutines.ids[member as usize];
                let bounds = (m.start_ns, m.end_ns);
                let spans = states(trace, id, bounds, t - slop, t + slop);
                let s = if x < GUTTER { None } else { spans.iter().find(|s| s.end_ns as f64 >= t - slop) };
                let (start_ns, end_ns, state) = match s {
                    Some(s) => (s.start_ns, s.end_ns, s.state.name().to_string()),
                    // A click on the label (or where it has no state) selects its whole life.
                    None => {
                        (States::new(trace, id, bounds, f64::NEG_INFINITY).next()?.start_ns, m.end_ns, String::new())
                    }
                };
                Some(Pick::Span { goroutine: id, start_ns, end_ns, state })
            }
            _ => None,
        }
    }
}
