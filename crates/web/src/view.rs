//! The page's regions: the landing area, the trace header and the message line.

use crate::dom::{by_id, el, show};
use gotv_analysis::{Finding, Summary};
use gotv_decode::Version;
use wasm_bindgen::prelude::*;
use web_sys::Element;

pub struct View {
    landing: Element,
    header: Element,
    message: Element,
    findings: Element,
    findings_list: Element,
}

pub struct Loaded<'a> {
    pub name: &'a str,
    pub bytes: usize,
    pub version: Version,
    pub summary: &'a Summary,
}

impl View {
    pub fn mount() -> Result<View, JsValue> {
        Ok(View {
            landing: by_id("landing")?,
            header: by_id("trace-header")?,
            message: by_id("message")?,
            findings: by_id("findings")?,
            findings_list: by_id("findings-list")?,
        })
    }

    pub fn progress(&self, text: &str) {
        self.say("progress", text);
    }

    pub fn error(&self, name: &str, text: &str) {
        self.say("error", &format!("{name}: {text}"));
    }

    pub fn loaded(&self, l: &Loaded<'_>) {
        self.header.set_inner_html("");
        let s = l.summary;
        let fields = [
            ("file", l.name.to_string()),
            ("format", format!("{} trace (written by {})", l.version, l.version.writers())),
            ("size", human_bytes(l.bytes)),
            ("duration", human_ns(s.duration_ns())),
            ("events", grouped(s.total)),
            ("goroutines", grouped(s.goroutines as u64)),
            ("GC cycles", grouped(s.gc_cycles)),
        ];
        for (key, value) in fields {
            if let Ok(item) = el("span", "field", "") {
                let _ = item.set_attribute("data-field", key);
                let _ = el("span", "key", key).map(|k| item.append_child(&k));
                let _ = el("span", "value", &value).map(|v| item.append_child(&v));
                let _ = self.header.append_child(&item);
            }
        }
        show(&self.header, true);
        show(&self.landing, false);
        show(&self.message, false);
    }

    pub fn findings(&self, findings: &[Finding]) {
        self.findings_list.set_inner_html("");
        if findings.is_empty() {
            let _ = el("li", "finding all-clear", "No problems found: no goroutine explosion, lock contention, GC pressure, idle Ps or long scheduling waits.")
                .map(|li| self.findings_list.append_child(&li));
        }
        for f in findings {
            let Ok(li) = el("li", "finding", "") else { continue };
            let _ = li.set_attribute("data-id", f.id);
            let severity = f.severity.name();
            let _ = el("span", &format!("severity {severity}"), severity).map(|e| li.append_child(&e));
            let _ = el("span", "what", &f.message).map(|e| li.append_child(&e));
            if let Some(at) = &f.location {
                let _ =
                    el("span", "where", &format!("{}:{} ({})", at.file, at.line, at.func)).map(|e| li.append_child(&e));
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

fn human_bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / (1 << 10) as f64),
        n => format!("{n} bytes"),
    }
}

fn human_ns(ns: i64) -> String {
    match ns.unsigned_abs() {
        n if n >= 1_000_000_000 => format!("{:.3} s", ns as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.3} ms", ns as f64 / 1e6),
        n if n >= 1_000 => format!("{:.3} µs", ns as f64 / 1e3),
        _ => format!("{ns} ns"),
    }
}

/// 115375 as "115,375": counts are read at a glance.
fn grouped(n: u64) -> String {
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
