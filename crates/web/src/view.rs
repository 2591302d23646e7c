//! The page's regions: the landing area, the trace header and the message line.

use crate::dom::{by_id, el, show};
use gotv_decode::Version;
use wasm_bindgen::prelude::*;
use web_sys::Element;

pub struct View {
    landing: Element,
    header: Element,
    message: Element,
}

pub struct Summary<'a> {
    pub name: &'a str,
    pub bytes: usize,
    pub version: Version,
}

impl View {
    pub fn mount() -> Result<View, JsValue> {
        Ok(View { landing: by_id("landing")?, header: by_id("trace-header")?, message: by_id("message")? })
    }

    pub fn progress(&self, text: &str) {
        self.say("progress", text);
    }

    pub fn error(&self, name: &str, text: &str) {
        self.say("error", &format!("{name}: {text}"));
    }

    pub fn loaded(&self, s: &Summary<'_>) {
        self.header.set_inner_html("");
        let fields = [
            ("file", s.name.to_string()),
            ("format", format!("{} trace (written by {})", s.version, s.version.writers())),
            ("size", human_bytes(s.bytes)),
        ];
        for (key, value) in fields {
            if let Ok(item) = el("span", "field", "") {
                let _ = el("span", "key", key).map(|k| item.append_child(&k));
                let _ = el("span", "value", &value).map(|v| item.append_child(&v));
                let _ = self.header.append_child(&item);
            }
        }
        show(&self.header, true);
        show(&self.landing, false);
        self.say("progress", "The timeline and analyses for this trace are not built yet in this version of gotv.");
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
