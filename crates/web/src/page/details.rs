//! The details panel: the clicked span, then what its goroutine went through, each event with
//! its stack. Goroutine ids are links (`data-goroutine`, `data-at`) that the input code follows.

use super::dom::{add, add_verbatim, by_id, el, show};
use super::i18n::t;
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
            let rows = [
                ("col.state", state.to_string()),
                ("col.start", human_ns(start_ns)),
                ("col.duration", human_ns(duration_ns)),
            ];
            for (k, v) in rows.iter().filter(|(_, v)| !v.is_empty()) {
                add(&dl, "dt", "", t(k));
                // States are Go's names (Running, Runnable, …), as in go tool trace.
                add_verbatim(&dl, "dd", "", v);
            }
        }
        let _ = self.panel.set_attribute("data-goroutine", &goroutine.to_string());
        show(&self.panel, true);
    }

    pub fn show(&self, details: Option<&Details>, origin_ns: i64) {
        self.history.set_inner_html("");
        let Some(d) = details else { return };
        show(&self.panel, true);
        add_verbatim(&self.history, "h3", "goroutine-name", &d.name);
        if let Some(creator) = d.created_by {
            if let Some(p) = add(&self.history, "p", "created-by", "") {
                add(&p, "span", "", t("details.created_by"));
                goroutine_link(&p, creator, None);
            }
        }
        let Some(list) = add(&self.history, "ol", "events", "") else { return };
        for e in &d.events {
            let Some(item) = add(&list, "li", "event", "") else { continue };
            let _ = item.set_attribute("data-what", &e.what);
            let _ = item.set_attribute("data-time-ns", &e.time_ns.to_string());
            add(&item, "span", "time", &human_ns(e.time_ns - origin_ns));
            // Event names and reasons are Go's, as go tool trace and Go's docs print them.
            add_verbatim(&item, "span", "what", &e.what);
            if !e.reason.is_empty() {
                add_verbatim(&item, "span", "reason", &e.reason);
            }
            if let Some(other) = e.other {
                let role = if e.what == "GoCreate" || e.what == "GoUnblock" { "details.by" } else { "details.with" };
                add(&item, "span", "role", t(role));
                goroutine_link(&item, other, Some(e.time_ns - origin_ns));
            }
            if let Some(p) = e.proc {
                add(&item, "span", "proc", &format!("P{p}"));
            }
            if let Some(stack) = (!e.stack.is_empty()).then(|| add_verbatim(&item, "ol", "stack", "")).flatten() {
                for (func, at) in &e.stack {
                    if let Some(frame) = add(&stack, "li", "frame", "") {
                        add(&frame, "span", "func", func);
                        add(&frame, "span", "at", at);
                    }
                }
            }
        }
        if d.more > 0 {
            add(&self.history, "p", "more", &t("details.more").replace("{n}", &d.more.to_string()));
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
