//! User annotations (`runtime/trace` tasks, regions and logs) per type: counts, duration
//! statistics, the log-bucket histogram of Go's pages, and the slowest instances, each a link
//! to its goroutine and time in the timeline.

use super::super::dom::{add, add_verbatim, by_id};
use super::super::i18n::t;
use super::super::view::human_ns;
use super::chart;
use crate::protocol::{AnnotationsView, TypeView};
use gotv_analysis::grouped;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement};

#[derive(Default)]
struct State {
    data: Option<AnnotationsView>,
    /// The type whose histogram and slowest instances are shown: (is a region, index).
    chosen: Option<(bool, usize)>,
}

pub struct Annotations {
    tasks: Element,
    regions: Element,
    logs: Element,
    title: Element,
    detail: Element,
    histogram: HtmlCanvasElement,
    state: RefCell<State>,
}

impl Annotations {
    pub fn mount() -> Result<Annotations, JsValue> {
        Ok(Annotations {
            tasks: by_id("tasks-table")?,
            regions: by_id("regions-table")?,
            logs: by_id("logs-table")?,
            title: by_id("annotation-title")?,
            detail: by_id("annotation-detail")?,
            histogram: by_id("annotation-histogram")?.dyn_into()?,
            state: RefCell::default(),
        })
    }

    pub fn has_data(&self) -> bool {
        self.state.borrow().data.is_some()
    }

    pub fn reset(&self) {
        *self.state.borrow_mut() = State::default();
    }

    pub fn set(&self, a: AnnotationsView) {
        let chosen = match (a.tasks.is_empty(), a.regions.is_empty()) {
            (false, _) => Some((false, 0)),
            (true, false) => Some((true, 0)),
            _ => None,
        };
        *self.state.borrow_mut() = State { data: Some(a), chosen };
        self.draw();
    }

    pub fn choose(&self, region: bool, index: usize) {
        self.state.borrow_mut().chosen = Some((region, index));
        self.draw();
    }

    pub fn draw(&self) {
        let s = self.state.borrow();
        let Some(a) = s.data.as_ref() else { return };
        types(&self.tasks, &a.tasks, false, s.chosen);
        types(&self.regions, &a.regions, true, s.chosen);
        self.logs.set_inner_html("");
        if let Some(head) = add(&self.logs, "tr", "", "") {
            add(&head, "th", "", t("col.category"));
            add(&head, "th", "", t("col.count"));
        }
        for (category, count) in &a.logs {
            let Some(tr) = add(&self.logs, "tr", "", "") else { continue };
            if category.is_empty() {
                add(&tr, "td", "name", t("log.uncategorized"));
            } else {
                add_verbatim(&tr, "td", "name", category);
            }
            if let Some(td) = add(&tr, "td", "num", &grouped(*count)) {
                let _ = td.set_attribute("data-value", &count.to_string());
            }
        }
        self.detail.set_inner_html("");
        let chosen =
            s.chosen.and_then(|(region, i)| Some((region, (if region { &a.regions } else { &a.tasks }).get(i)?)));
        let Some((region, ty)) = chosen else {
            self.title.set_text_content(None);
            super::super::dom::show(&self.histogram, false);
            return;
        };
        super::super::dom::show(&self.histogram, true);
        let kind = if region { t("annotations.region") } else { t("annotations.task") };
        self.title.set_text_content(Some(&format!("{kind}: {}", display_name(&ty.name))));
        let counts: Vec<u64> = ty.histogram.iter().map(|b| b.1).collect();
        let _ = self.histogram.set_attribute("data-buckets", &counts.len().to_string());
        chart::histogram(
            &self.histogram,
            &counts,
            &|i| ty.histogram.get(i).map_or(String::new(), |b| human_ns(b.0)),
            (t("axis.duration"), t("axis.count")),
        );
        add(&self.detail, "h4", "", t("annotations.slowest"));
        let Some(list) = add(&self.detail, "ol", "slowest", "") else { return };
        for &(g, start, d) in &ty.slowest {
            let Some(li) = add(&list, "li", "", "") else { continue };
            let _ = li.set_attribute("data-duration", &d.to_string());
            let text = t("annotations.instance")
                .replace("{duration}", &human_ns(d))
                .replace("{at}", &human_ns(start))
                .replace("{g}", &g.to_string());
            if let Some(b) = add(&li, "button", "goroutine-link", &text) {
                let _ = b.set_attribute("type", "button");
                let _ = b.set_attribute("data-goroutine", &g.to_string());
                let _ = b.set_attribute("data-from", &start.to_string());
                let _ = b.set_attribute("data-to", &(start + d).to_string());
            }
        }
    }
}

fn display_name(name: &str) -> &str {
    if name.is_empty() {
        t("annotations.unnamed")
    } else {
        name
    }
}

fn types(table: &Element, rows: &[TypeView], region: bool, chosen: Option<(bool, usize)>) {
    table.set_inner_html("");
    let Some(head) = add(table, "tr", "", "") else { return };
    for key in
        ["col.type", "col.count", "col.complete", "col.mean", "col.p50", "col.p90", "col.p99", "col.max", "col.total"]
    {
        add(&head, "th", "", t(key));
    }
    if region {
        add(&head, "th", "", t("col.begins"));
    }
    for (i, ty) in rows.iter().enumerate() {
        let Some(tr) = add(table, "tr", "group-row", "") else { continue };
        let _ = tr.set_attribute("data-type", &ty.name);
        let _ = tr.set_attribute("data-index", &i.to_string());
        let _ = tr.set_attribute("data-region", if region { "1" } else { "0" });
        if chosen == Some((region, i)) {
            tr.set_class_name("group-row open");
        }
        if ty.name.is_empty() {
            add(&tr, "td", "name", t("annotations.unnamed"));
        } else {
            add_verbatim(&tr, "td", "name", &ty.name);
        }
        for (v, text) in [(ty.count as i64, grouped(ty.count)), (ty.complete as i64, grouped(ty.complete))] {
            if let Some(td) = add(&tr, "td", "num", &text) {
                let _ = td.set_attribute("data-value", &v.to_string());
            }
        }
        for ns in [ty.mean_ns, ty.p50_ns, ty.p90_ns, ty.p99_ns, ty.max_ns, ty.total_ns] {
            if let Some(td) = add(&tr, "td", "num", &human_ns(ns)) {
                let _ = td.set_attribute("data-value", &ns.to_string());
            }
        }
        if region {
            let place = ty.place.as_ref().map_or(String::new(), |f| format!("{} ({}:{})", f.func, f.file, f.line));
            add_verbatim(&tr, "td", "name at", &place);
        }
    }
}
