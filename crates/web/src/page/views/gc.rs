//! GC and memory: how often the collector ran and what it cost, the heap against its goal
//! over time, every cycle and stop-the-world pause, and the minimum mutator utilization
//! curve with its flags; cycles, pauses and the worst windows open in the timeline.

use super::super::dom::{add, add_verbatim, by_id};
use super::super::i18n::t;
use super::super::view::human_ns;
use super::chart::{self, Series};
use crate::protocol::{GcView, Query};
use gotv_analysis::grouped;
use plotters::style::RGBColor;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement, HtmlInputElement};

pub struct Gc {
    summary: Element,
    heap: HtmlCanvasElement,
    mmu: HtmlCanvasElement,
    flags: Element,
    worst: Element,
    cycles: Element,
    pauses: Element,
    data: RefCell<Option<GcView>>,
}

impl Gc {
    pub fn mount() -> Result<Gc, JsValue> {
        Ok(Gc {
            summary: by_id("gc-summary")?,
            heap: by_id("heap-chart")?.dyn_into()?,
            mmu: by_id("mmu-chart")?.dyn_into()?,
            flags: by_id("mmu-flags")?,
            worst: by_id("mmu-worst")?,
            cycles: by_id("gc-cycles")?,
            pauses: by_id("gc-pauses")?,
            data: RefCell::default(),
        })
    }

    pub fn reset(&self) {
        *self.data.borrow_mut() = None;
    }

    /// The MMU flags ticked, in `gotv mmu --flags` order.
    fn ticked(&self) -> Vec<String> {
        let Ok(boxes) = self.flags.query_selector_all("input[type=checkbox]") else { return Vec::new() };
        (0..boxes.length())
            .filter_map(|i| boxes.item(i)?.dyn_into::<HtmlInputElement>().ok())
            .filter(|b| b.checked())
            .map(|b| b.value())
            .collect()
    }

    pub fn wanted(&self) -> Option<Query> {
        let flags = self.ticked();
        let has = self.data.borrow().as_ref().is_some_and(|d| d.flags == flags);
        (!has).then_some(Query::Gc { flags })
    }

    pub fn set(&self, g: GcView) {
        if g.flags != self.ticked() {
            return;
        }
        *self.data.borrow_mut() = Some(g);
        self.draw();
    }

    pub fn draw(&self) {
        let data = self.data.borrow();
        let Some(g) = data.as_ref() else { return };
        let s = &g.summary;
        let pct = |share: f64| format!("{:.1}%", share * 100.0);
        self.summary.set_text_content(Some(
            &t("gc.summary")
                .replace("{cycles}", &grouped(s.cycles))
                .replace("{per_s}", &format!("{:.1}", s.per_second))
                .replace("{interval}", &human_ns(s.mean_interval_ns))
                .replace("{mark}", &human_ns(s.mark_ns))
                .replace("{mark_share}", &pct(s.mark_share))
                .replace("{stw}", &human_ns(s.stw_ns))
                .replace("{pauses}", &grouped(s.pauses))
                .replace("{stw_share}", &pct(s.stw_share))
                .replace("{longest}", &human_ns(s.longest_pause_ns)),
        ));
        for (k, v) in
            [("cycles", s.cycles as i64), ("mark-ns", s.mark_ns), ("pauses", s.pauses as i64), ("stw-ns", s.stw_ns)]
        {
            let _ = self.summary.set_attribute(&format!("data-{k}"), &v.to_string());
        }

        // A heap metric holds until its next point: drawn as steps.
        let steps = |points: &[(i64, u64)]| {
            let mut out = Vec::with_capacity(points.len() * 2 + 1);
            for (i, &(t, v)) in points.iter().enumerate() {
                if i > 0 {
                    out.push((t as f64 / 1e6, points[i - 1].1 as f64 / 1048576.0));
                }
                out.push((t as f64 / 1e6, v as f64 / 1048576.0));
            }
            if let Some(&(_, v)) = points.last() {
                out.push((g.duration_ns as f64 / 1e6, v as f64 / 1048576.0));
            }
            out
        };
        chart::lines(
            &self.heap,
            &[
                Series { color: RGBColor(66, 133, 244), points: steps(&g.heap_alloc) },
                Series { color: RGBColor(234, 67, 53), points: steps(&g.heap_goal) },
            ],
            (t("axis.time_ms"), &|v| format!("{v:.0}")),
            (t("axis.mb"), &|v| format!("{v:.1}")),
            false,
        );
        let curve: Vec<(f64, f64)> = g.mmu.iter().filter(|p| p.0 > 0).map(|&(w, u)| (w as f64, u)).collect();
        let _ = self.mmu.set_attribute("data-points", &curve.len().to_string());
        chart::lines(
            &self.mmu,
            &[Series { color: RGBColor(0, 173, 216), points: curve }],
            (t("axis.window"), &|v| human_ns(*v as i64)),
            (t("axis.mmu"), &|v| format!("{:.0}%", v * 100.0)),
            true,
        );

        self.worst.set_inner_html("");
        for &(start, util) in &g.worst {
            let Some(li) = add(&self.worst, "li", "", "") else { continue };
            let _ = li.set_attribute("data-start", &start.to_string());
            let _ = li.set_attribute("data-util", &util.to_string());
            let text =
                t("gc.window").replace("{util}", &format!("{:.1}%", util * 100.0)).replace("{at}", &human_ns(start));
            range_link(&li, &text, start, start + g.mmu_window_ns);
        }

        table(&self.cycles, &["col.n", "col.start", "col.mark"]);
        for i in shown(&self.cycles, g.cycles.iter().map(|c| c.1)) {
            let (start, d) = g.cycles[i];
            let Some(tr) = add(&self.cycles, "tr", "", "") else { continue };
            add(&tr, "td", "num", &(i + 1).to_string());
            if let Some(td) = add(&tr, "td", "", "") {
                range_link(&td, &human_ns(start), start, start + d);
            }
            number(&tr, d);
        }
        table(&self.pauses, &["col.start", "col.duration", "col.reason", "col.goroutine"]);
        for p in shown(&self.pauses, g.pauses.iter().map(|p| p.duration_ns)).into_iter().map(|i| &g.pauses[i]) {
            let Some(tr) = add(&self.pauses, "tr", "", "") else { continue };
            if let Some(td) = add(&tr, "td", "", "") {
                range_link(&td, &human_ns(p.start_ns), p.start_ns, p.start_ns + p.duration_ns);
            }
            number(&tr, p.duration_ns);
            add_verbatim(&tr, "td", "", &p.reason);
            add(&tr, "td", "", &format!("G{}", p.goroutine));
        }
    }
}

/// Rows a table of cycles or pauses shows at most: a server's trace has tens of thousands,
/// which took the page seconds to lay out, and the longest are the ones to look at.
const ROWS: usize = 200;

/// Which rows `table` shows (see [`longest`]); its caption says so when not all.
fn shown(table: &Element, durations: impl ExactSizeIterator<Item = i64>) -> Vec<usize> {
    let all = durations.len();
    let rows = longest(durations, ROWS);
    if rows.len() < all {
        let text =
            t("gc.longest").replace("{shown}", &grouped(rows.len() as u64)).replace("{all}", &grouped(all as u64));
        if let Some(caption) = add(table, "caption", "", &text) {
            let _ = table.insert_before(&caption, table.first_child().as_ref());
        }
    }
    rows
}

/// The indices of the `n` longest durations (the earlier of equal ones), in time order; all
/// if there are no more than `n`.
fn longest(durations: impl Iterator<Item = i64>, n: usize) -> Vec<usize> {
    let mut rows: Vec<(i64, usize)> = durations.enumerate().map(|(i, d)| (d, i)).collect();
    if rows.len() > n && n > 0 {
        rows.select_nth_unstable_by_key(n - 1, |&(d, i)| (std::cmp::Reverse(d), i));
    }
    rows.truncate(n);
    let mut rows: Vec<usize> = rows.into_iter().map(|r| r.1).collect();
    rows.sort_unstable();
    rows
}

fn table(table: &Element, columns: &[&str]) {
    table.set_inner_html("");
    let Some(head) = add(table, "tr", "", "") else { return };
    for key in columns {
        add(&head, "th", "", t(key));
    }
}

fn number(tr: &Element, ns: i64) {
    if let Some(td) = add(tr, "td", "num", &human_ns(ns)) {
        let _ = td.set_attribute("data-value", &ns.to_string());
    }
}

/// A link that shows `[from, to]` (ns from the trace start) in the timeline.
pub fn range_link(parent: &Element, text: &str, from: i64, to: i64) {
    let Some(b) = add(parent, "button", "goroutine-link range-link", text) else { return };
    let _ = b.set_attribute("type", "button");
    let _ = b.set_attribute("data-from", &from.to_string());
    let _ = b.set_attribute("data-to", &to.to_string());
}

#[cfg(test)]
mod tests {
    use super::longest;

    #[test]
    fn tables_keep_the_longest_rows_in_time_order() {
        let d = [5, 1, 9, 9, 3, 7, 1];
        assert_eq!(longest(d.into_iter(), 3), [2, 3, 5]);
        assert_eq!(longest(d.into_iter(), 1), [2]);
        assert_eq!(longest(d.into_iter(), 7), [0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(longest(d.into_iter(), 100), [0, 1, 2, 3, 4, 5, 6]);
        assert!(longest(d.into_iter(), 0).is_empty());
        assert!(longest([].into_iter(), 3).is_empty());
    }
}
