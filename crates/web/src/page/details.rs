//! The details panel: the clicked span, then what its goroutine went through, each event with
//! its stack. Goroutine ids are links (`data-goroutine`, `data-at`) that the input code follows.

use super::dom::{add, by_id, el, show};
use super::view::human_ns;
use crate::protocol::Details;
use wasm_bindgen::prelude::*;
use web_sys::Element;

pub struct DetailsPanel {
    panel: Element,
    span: Element,
    history: Element,
}

impl DetailsPanel {
    pub fn mount() -> Result<DetailsPanel, JsValue> {
        let panel = by_id("details")?;
        let span = el("div", "span-info", "")?;
        let history = el("div", "history", "")?;
        panel.append_child(&span)?;
        panel.append_child(&history)?;
        Ok(DetailsPanel { panel, span, history })
    }

    pub fn clear(&self) {
        self.span.set_inner_html("");
        self.history.set_inner_html("");
        show(&self.panel, false);
    }

    /// The span that was clicked; its goroutine's history follows from the worker.
    pub fn span(&self, goroutine: i64, start_ns: i64, duration_ns: i64, state: &str) {
        self.span.set_inner_html("");
        self.history.set_inner_html("");
        add(&self.span, "h2", "", &format!("G{goroutine}"));
        if let Some(dl) = add(&self.span, "dl", "fields", "") {
            let rows =
                [("State", state.to_string()), ("Start", human_ns(start_ns)), ("Duration", human_ns(duration_ns))];
            for (k, v) in rows.iter().filter(|(_, v)| !v.is_empty()) {
                add(&dl, "dt", "", k);
                add(&dl, "dd", "", v);
            }
        }
        let _ = self.panel.set_attribute("data-goroutine", &goroutine.to_string());
        show(&self.panel, true);
    }

    pub fn show(&self, details: Option<&Details>, origin_ns: i64) {
        self.history.set_inner_html("");
        let Some(d) = details else { return };
        show(&self.panel, true);
        add(&self.history, "h3", "goroutine-name", &d.name);
        if let Some(creator) = d.created_by {
            if let Some(p) = add(&self.history, "p", "created-by", "Created by ") {
                goroutine_link(&p, creator, None);
            }
        }
        let Some(list) = add(&self.history, "ol", "events", "") else { return };
        for e in &d.events {
            let Some(item) = add(&list, "li", "event", "") else { continue };
            let _ = item.set_attribute("data-what", &e.what);
            let _ = item.set_attribute("data-time-ns", &e.time_ns.to_string());
            add(&item, "span", "time", &human_ns(e.time_ns - origin_ns));
            add(&item, "span", "what", &e.what);
            if !e.reason.is_empty() {
                add(&item, "span", "reason", &e.reason);
            }
            if let Some(other) = e.other {
                add(&item, "span", "role", if e.what == "GoCreate" || e.what == "GoUnblock" { "by" } else { "with" });
                goroutine_link(&item, other, Some(e.time_ns - origin_ns));
            }
            if let Some(p) = e.proc {
                add(&item, "span", "proc", &format!("P{p}"));
            }
            if let Some(stack) = (!e.stack.is_empty()).then(|| add(&item, "ol", "stack", "")).flatten() {
                for (func, at) in &e.stack {
                    if let Some(frame) = add(&stack, "li", "frame", "") {
                        add(&frame, "span", "func", func);
                        add(&frame, "span", "at", at);
                    }
                }
            }
        }
        if d.more > 0 {
            add(&self.history, "p", "more", &format!("… and {} more events", d.more));
        }
    }
}

/// A goroutine id that selects that goroutine, at the time of the event it appears in.
fn goroutine_link(parent: &Element, id: i64, at_ns: Option<i64>) {
    let Some(a) = add(parent, "button", "goroutine-link", &format!("G{id}")) else { return };
    let _ = a.set_attribute("type", "button");
    let _ = a.set_attribute("data-goroutine", &id.to_string());
    if let Some(t) = at_ns {
        let _ = a.set_attribute("data-at", &t.to_string());
    }
}
