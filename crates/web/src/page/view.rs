//! The page's panels around the timeline: landing, message and progress, the trace header and
//! the findings.

use super::dom::{by_id, el, show};
use super::i18n::{lang, t, Lang};
use crate::protocol::{Failure, FindingView, Loaded, Progress, StopKind};
use gotv_analysis::grouped;
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
        self.say("progress", &t("progress.opening").replace("{name}", name));
        let _ = self.progress_bar.remove_attribute("value");
        show(&self.progress, true);
    }

    pub fn progress(&self, name: &str, p: &Progress) {
        let key = if p.whole_file_first && p.events == 0 {
            "progress.old_format"
        } else if p.bytes < p.total {
            "progress.decoding"
        } else {
            "progress.analysing"
        };
        let text = t(key)
            .replace("{name}", name)
            .replace("{read}", &human_bytes(p.bytes))
            .replace("{total}", &human_bytes(p.total))
            .replace("{events}", &grouped(p.events))
            .replace("{generation}", &p.generation.to_string());
        self.say("progress", &text);
        let fraction = if p.total == 0 { 1.0 } else { p.bytes as f64 / p.total as f64 };
        let _ = self.progress_bar.set_attribute("value", &format!("{fraction:.3}"));
    }

    pub fn cancelled(&self, name: &str) {
        show(&self.progress, false);
        self.say("progress", &t("progress.stopped").replace("{name}", name));
    }

    pub fn error(&self, name: &str, text: &str) {
        show(&self.progress, false);
        self.say("error", &format!("{name}: {text}"));
    }

    pub fn loaded(&self, l: &Loaded) {
        self.relabel(l);
        for e in [&self.header, &self.timeline] {
            show(e, true);
        }
        // The previous trace's findings go; this one's come after its first frame.
        for e in [&self.landing, &self.message, &self.progress, &self.findings] {
            show(e, false);
        }
    }

    /// Draws the header in the current language.
    pub fn relabel(&self, l: &Loaded) {
        self.header.set_inner_html("");
        let format = t("format.written").replace("{format}", &l.format).replace("{writers}", &l.writers);
        let fields = [
            ("file", l.name.clone()),
            ("format", format),
            ("size", human_bytes(l.bytes)),
            ("duration", human_ns(l.end_ns.saturating_sub(l.start_ns))),
            ("events", grouped(l.events)),
            ("goroutines", grouped(l.goroutines)),
            ("GC cycles", grouped(l.gc_cycles)),
        ];
        for (key, value) in fields {
            if let Ok(item) = el("span", "field", "") {
                let _ = item.set_attribute("data-field", key);
                let _ = el("span", "key", t(&format!("field.{key}"))).map(|k| item.append_child(&k));
                if let Ok(v) = el("span", "value", &value) {
                    if key == "file" {
                        let _ = v.set_attribute("translate", "no");
                    }
                    let _ = item.append_child(&v);
                }
                let _ = self.header.append_child(&item);
            }
        }
    }

    pub fn findings(&self, findings: &[FindingView]) {
        self.findings_list.set_inner_html("");
        if findings.is_empty() {
            let _ = el("li", "finding all-clear", t("all.clear")).map(|li| self.findings_list.append_child(&li));
        }
        for f in findings {
            let Ok(li) = el("li", "finding", "") else { continue };
            let _ = li.set_attribute("data-id", &f.id);
            let severity = t(&format!("severity.{}", f.severity));
            let _ = el("span", &format!("severity {}", f.severity), severity).map(|e| li.append_child(&e));
            let _ = el("span", "what", &finding_text(f)).map(|e| li.append_child(&e));
            if let Ok(b) = el("button", "evidence goroutine-link", t("evidence")) {
                let _ = b.set_attribute("type", "button");
                let _ = b.set_attribute("data-evidence", &f.id);
                let _ = li.append_child(&b);
            }
            if let Some(at) = &f.location {
                if let Ok(e) = el("span", "where", &format!("{}:{} ({})", at.file, at.line, at.func)) {
                    let _ = e.set_attribute("translate", "no");
                    let _ = li.append_child(&e);
                }
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

/// Why a trace did not open whole, in the page's language: the English is the CLI's wording.
pub fn failure_text(f: &Failure) -> String {
    let s = match f {
        Failure::Other(message) => return message.clone(),
        Failure::Unreadable { offset, why } => {
            let text = match why {
                Some(why) => t("error.unreadable").replace("{why}", why),
                None => t("error.changed").to_string(),
            };
            return text.replace("{offset}", &offset.to_string());
        }
        Failure::Decoding(s) => s,
    };
    let text = match &s.kind {
        StopKind::NotATrace { found } => t("error.not_a_trace").replace("{found}", found),
        StopKind::UnsupportedVersion { minor } => t("error.unsupported").replace("{minor}", &minor.to_string()),
        StopKind::Truncated { what } => t("error.truncated").replace("{what}", what),
        StopKind::Malformed { what } => t("error.malformed").replace("{what}", what),
        StopKind::TooBig { budget_mb, need_mb, whole } => {
            t(if *whole { "error.too_big_whole" } else { "error.too_big" })
                .replace("{budget}", &budget_mb.to_string())
                .replace("{need}", &need_mb.to_string())
        }
    };
    let at = match s.generation {
        Some(g) => t("error.at_generation").replace("{generation}", &g.to_string()),
        None => t("error.at").to_string(),
    };
    let cli = if matches!(s.kind, StopKind::TooBig { .. }) { t("error.cli") } else { "" };
    format!("{text}{}{cli}", at.replace("{offset}", &s.offset.to_string()))
}

/// A finding as `gotv diagnose` words it in English, and from its numbers otherwise (the
/// same numbers, formatted the same way).
fn finding_text(f: &FindingView) -> String {
    if lang() == Lang::En {
        return f.message.clone();
    }
    let n = |k: &str| f.numbers.iter().find(|e| e.0 == k).map_or(0.0, |e| e.1);
    let ms = |ns: f64| format!("{:.1}ms", ns / 1e6);
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let at = |key: &str, with_func: bool| {
        f.location.as_ref().map_or(String::new(), |l| {
            let place =
                if with_func { format!("{} {}:{}", l.func, l.file, l.line) } else { format!("{}:{}", l.file, l.line) };
            t(key).replace("{where}", &place)
        })
    };
    let template = t(&format!("finding.{}", f.id));
    let values: Vec<(&str, String)> = match f.id.as_str() {
        "unbounded-goroutines" => vec![
            ("{created}", grouped(n("created") as u64)),
            ("{at}", at("finding.at.go", false)),
            ("{peak}", grouped(n("peak_alive") as u64)),
            ("{procs}", format!("{}", n("gomaxprocs"))),
            ("{life}", ms(n("mean_lifetime_ns"))),
        ],
        "lock-contention" => vec![
            ("{delay}", ms(n("delay_ns"))),
            ("{at}", at("finding.at.lock", true)),
            ("{share}", pct(n("share_of_sync_blocking"))),
            ("{waiters}", format!("{:.1}", n("mean_waiters"))),
        ],
        "gc-pressure" => vec![
            ("{cycles}", grouped(n("cycles") as u64)),
            ("{per_s}", format!("{:.0}", n("cycles_per_s"))),
            ("{mark}", pct(n("mark_share"))),
            ("{stw}", pct(n("stw_share"))),
            ("{assisting}", format!("{:.1}", n("mean_assisting"))),
        ],
        "idle-procs" => {
            vec![("{busy}", pct(n("proc_busy"))), ("{runnable}", format!("{:.1}", n("mean_runnable")))]
        }
        "sched-latency" => vec![
            ("{waits}", grouped(n("waits") as u64)),
            // The message names the percentile's bucket by its lower bound: half the upper one.
            ("{p99}", ms(n("p99_upper_bound_ns") / 2.0)),
            ("{max}", ms(n("max_ns"))),
        ],
        _ => return f.message.clone(),
    };
    values.into_iter().fold(template.to_string(), |s, (k, v)| s.replace(k, &v))
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

#[cfg(test)]
mod tests {
    use super::*;
    use gotv_decode::{Error, ErrorKind};

    /// In English the page says a decoding error as the decoder (and so the CLI) does, and in
    /// Japanese every part of the frame is translated.
    #[test]
    fn decoding_errors_are_worded_as_the_decoder_words_them() {
        let kinds = [
            ErrorKind::NotATrace { found: "\"<!doctype\"".into() },
            ErrorKind::UnsupportedVersion { minor: 99 },
            ErrorKind::Truncated { what: "a batch" },
            ErrorKind::Malformed { what: "found invalid event type: 250".into() },
            ErrorKind::TooBig { budget_mb: 3500, need_mb: 9672, whole: false },
            ErrorKind::TooBig { budget_mb: 3500, need_mb: 4100, whole: true },
        ];
        for kind in kinds {
            for generation in [None, Some(7)] {
                let e = Error { kind: kind.clone(), offset: 1234, generation };
                let failure = Failure::Decoding((&e).into());
                let hint =
                    if matches!(kind, ErrorKind::TooBig { .. }) { "; the gotv command reads it whole" } else { "" };
                crate::page::i18n::set_lang(Lang::En);
                assert_eq!(failure_text(&failure), format!("{e}{hint}"));
                crate::page::i18n::set_lang(Lang::Ja);
                let ja = failure_text(&failure);
                assert!(ja.contains("バイトオフセット 1234"), "{ja}");
                assert_eq!(ja.contains("世代 7"), generation.is_some(), "{ja}");
                assert!(!ja.contains("trace is") && !ja.contains("byte offset"), "{ja}");
            }
        }
        crate::page::i18n::set_lang(Lang::En);
    }
}
