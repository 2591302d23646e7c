//! The page's panels around the timeline: landing, message and progress, the trace header and
//! the findings.

use super::dom::{by_id, el, show};
use crate::protocol::{FindingView, Loaded, Progress};
use wasm_bindgen::prelude::*;
use web_sys::Element;

pub struct View {
    landing: Element,
    header: Element,
    message: Element,
    progress: Element,
    progress_bar: Element,
    findings: Element,
    findings_list: Element,
    timeline: Element,
}

impl View {
    pub fn mount() -> Result<View, JsValue> {
        Ok(View {
            landing: by_id("landing")?,
            header: by_id("trace-header")?,
            message: by_id("message")?,
            progress: by_id("progress")?,
            progress_bar: by_id("progress-bar")?,
            findings: by_id("findings")?,
            findings_list: by_id("findings-list")?,
            timeline: by_id("timeline-section")?,
        })
    }

    pub fn opening(&self, name: &str) {
        self.say("progress", &format!("Opening {name}…"));
        let _ = self.progress_bar.remove_attribute("value");
        show(&self.progress, true);
    }

    pub fn progress(&self, name: &str, p: &Progress) {
        let text = if p.whole_file_first && p.events == 0 {
            format!(
                "Decoding {name}: old-format traces (Go 1.21 and before) keep their stacks and clock frequency at the end, \
                 so the whole file is read before any event is shown ({} of {} read)…",
                human_bytes(p.bytes),
                human_bytes(p.total)
            )
        } else if p.bytes < p.total {
            format!(
                "Decoding {name}: {} of {}, {} events, generation {}…",
                human_bytes(p.bytes),
                human_bytes(p.total),
                grouped(p.events),
                p.generation
            )
        } else {
            format!("Analysing {name}: {} events…", grouped(p.events))
        };
        self.say("progress", &text);
        let fraction = if p.total == 0 { 1.0 } else { p.bytes as f64 / p.total as f64 };
        let _ = self.progress_bar.set_attribute("value", &format!("{fraction:.3}"));
    }

    pub fn cancelled(&self, name: &str) {
        show(&self.progress, false);
        self.say("progress", &format!("Stopped opening {name}."));
    }

    pub fn error(&self, name: &str, text: &str) {
        show(&self.progress, false);
        self.say("error", &format!("{name}: {text}"));
    }

    pub fn loaded(&self, l: &Loaded) {
        self.header.set_inner_html("");
        let fields = [
            ("file", l.name.clone()),
            ("format", format!("{} trace (written by {})", l.format, l.writers)),
            ("size", human_bytes(l.bytes)),
            ("duration", human_ns(l.end_ns - l.start_ns)),
            ("events", grouped(l.events)),
            ("goroutines", grouped(l.goroutines)),
            ("GC cycles", grouped(l.gc_cycles)),
        ];
        for (key, value) in fields {
            if let Ok(item) = el("span", "field", "") {
                let _ = item.set_attribute("data-field", key);
                let _ = el("span", "key", key).map(|k| item.append_child(&k));
                let _ = el("span", "value", &value).map(|v| item.append_child(&v));
                let _ = self.header.append_child(&item);
            }
        }
        for e in [&self.header, &self.timeline] {
            show(e, true);
        }
        // The previous trace's findings go; this one's come after its first frame.
        for e in [&self.landing, &self.message, &self.progress, &self.findings] {
            show(e, false);
        }
    }

    pub fn findings(&self, findings: &[FindingView]) {
        self.findings_list.set_inner_html("");
        if findings.is_empty() {
            let _ = el("li", "finding all-clear", "No problems found: no goroutine explosion, lock contention, GC pressure, idle Ps or long scheduling waits.")
                .map(|li| self.findings_list.append_child(&li));
        }
        for f in findings {
            let Ok(li) = el("li", "finding", "") else { continue };
            let _ = li.set_attribute("data-id", &f.id);
            let _ = el("span", &format!("severity {}", f.severity), &f.severity).map(|e| li.append_child(&e));
            let _ = el("span", "what", &f.message).map(|e| li.append_child(&e));
            if let Some(at) = &f.location {
                let _ = el("span", "where", at).map(|e| li.append_child(&e));
            }
            let _ = self.findings_list.append_child(&li);
        }
        show(&self.findings, true);
    }

    fn say(&self, kind: &str, text: &str) {
        self.message.set_class_name(kind);
        self.message.set_text_content(Some(text));
        let _ = self.message.set_attribute("role", if kind == "error" { "alert" } else { "status" });
        show(&self.message, true);
    }
}

/// Shows a crash in place of a blank page; the hook calls this from anywhere.
pub fn show_panic(message: &str) {
    if let Ok(el) = by_id("panic") {
        el.set_text_content(Some(&format!(
            "{message}\n\nReload the page to continue. Please report this with the trace's Go version."
        )));
        let _ = el.set_attribute("role", "alert");
        show(&el, true);
    }
}

pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / (1 << 10) as f64),
        n => format!("{n} bytes"),
    }
}

pub fn human_ns(ns: i64) -> String {
    match ns.unsigned_abs() {
        n if n >= 1_000_000_000 => format!("{:.3} s", ns as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.3} ms", ns as f64 / 1e6),
        n if n >= 1_000 => format!("{:.3} µs", ns as f64 / 1e3),
        _ => format!("{ns} ns"),
    }
}

/// 115375 as "115,375": counts are read at a glance.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
