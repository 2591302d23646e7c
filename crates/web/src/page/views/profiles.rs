//! Blocking profiles (network, synchronization, syscall, scheduler latency) and CPU samples:
//! a flame graph, the top functions, a goroutine-group filter, and the profile as a pprof
//! file to download.

use super::super::dom::{add, add_verbatim, by_id};
use super::super::i18n::t;
use super::flame::Flame;
use crate::protocol::{ProfileView, Query};
use gotv_analysis::grouped;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlCanvasElement, HtmlInputElement, HtmlSelectElement};

/// Functions listed in the top table.
const TOP: usize = 50;
/// A download's Blob URL is revoked this long after the click has started it.
const REVOKE_MS: u32 = 10_000;

/// A function's share of a profile, for the top table.
struct Top {
    frame: u32,
    self_value: i64,
    total: i64,
    count: u64,
}

fn top(p: &ProfileView) -> Vec<Top> {
    let mut by_frame: Vec<Top> =
        (0..p.frames.len() as u32).map(|frame| Top { frame, self_value: 0, total: 0, count: 0 }).collect();
    let mut seen = vec![usize::MAX; p.frames.len()];
    for (i, s) in p.samples.iter().enumerate() {
        if let Some(&leaf) = s.stack.first() {
            by_frame[leaf as usize].self_value += s.value;
        }
        // Recursion puts a frame in a stack more than once; it counts once.
        for &f in &s.stack {
            if std::mem::replace(&mut seen[f as usize], i) != i {
                by_frame[f as usize].total += s.value;
                by_frame[f as usize].count += s.count;
            }
        }
    }
    by_frame.sort_by(|a, b| b.self_value.cmp(&a.self_value).then(b.total.cmp(&a.total)).then(a.frame.cmp(&b.frame)));
    by_frame.truncate(TOP);
    by_frame
}

pub struct Profiles {
    pub flame: RefCell<Flame>,
    summary: Element,
    top: Element,
    kind: HtmlSelectElement,
    group: HtmlSelectElement,
    search: HtmlInputElement,
    download: HtmlButtonElement,
    /// The profile shown: kind and group.
    shown: RefCell<Option<(String, Option<String>)>>,
}

impl Profiles {
    pub fn mount() -> Result<Profiles, JsValue> {
        let canvas: HtmlCanvasElement = by_id("flame")?.dyn_into()?;
        Ok(Profiles {
            flame: RefCell::new(Flame::new(canvas, by_id("flame-tooltip")?)),
            summary: by_id("profile-summary")?,
            top: by_id("profile-top")?,
            kind: by_id("profile-kind")?.dyn_into()?,
            group: by_id("profile-group")?.dyn_into()?,
            search: by_id("profile-search")?.dyn_into()?,
            download: by_id("profile-download")?.dyn_into()?,
            shown: RefCell::default(),
        })
    }

    /// A new trace: its groups to filter by, nothing shown yet.
    pub fn reset(&self, groups: &[(String, u64)]) {
        *self.shown.borrow_mut() = None;
        self.flame.borrow_mut().clear();
        self.summary.set_text_content(None);
        self.top.set_inner_html("");
        self.group.set_length(1);
        for (name, count) in groups {
            let label = if name.is_empty() { t("group.inactive") } else { name };
            if let Some(o) = add(&self.group, "option", "", &format!("{label} ({})", grouped(*count))) {
                let _ = o.set_attribute("value", name);
                if !name.is_empty() {
                    let _ = o.set_attribute("translate", "no");
                }
            }
        }
    }

    /// The group filtered by. The first option is "all": the empty name is a group too.
    fn chosen_group(&self) -> Option<String> {
        let i = self.group.selected_index();
        (i > 0).then(|| self.group.value())
    }

    /// What the controls ask for.
    pub fn wanted(&self) -> Query {
        Query::Profile { kind: self.kind.value(), group: self.chosen_group() }
    }

    pub fn pprof(&self) -> Option<Query> {
        let kind = self.kind.value();
        (kind != "cpu").then(|| Query::Pprof { kind, group: self.chosen_group() })
    }

    pub fn kind(&self) -> String {
        self.kind.value()
    }

    pub fn choose(&self, kind: &str, search: &str) {
        self.kind.set_value(kind);
        // A kind the page does not offer (a mistyped link) leaves the first one chosen.
        if self.kind.selected_index() < 0 {
            self.kind.set_selected_index(0);
        }
        self.search.set_value(search);
        self.flame.borrow_mut().search(search);
    }

    pub fn has(&self, q: &Query) -> bool {
        match q {
            Query::Profile { kind, group } => {
                self.shown.borrow().as_ref().is_some_and(|(k, g)| k == kind && g == group)
            }
            _ => false,
        }
    }

    pub fn profile(&self, kind: String, group: Option<String>, p: ProfileView) {
        // An answer to an earlier choice: a newer one is on its way.
        if self.wanted() != (Query::Profile { kind: kind.clone(), group: group.clone() }) {
            return;
        }
        // pprof files hold blocking profiles; CPU samples are not one.
        self.download.set_disabled(kind == "cpu");
        // CPU samples are counted per stack, not per goroutine: no group to filter by.
        self.group.set_disabled(kind == "cpu");
        // Tells which profile the summary's figures are of (tests wait for it).
        let _ = self.summary.set_attribute("data-kind", &kind);
        *self.shown.borrow_mut() = Some((kind, group));
        self.flame.borrow_mut().set(p);
        self.relabel();
    }

    pub fn relabel(&self) {
        let flame = self.flame.borrow();
        let p = flame.profile();
        let _ = self.search.set_attribute("placeholder", t("profile.search"));
        let total: i64 = p.samples.iter().map(|s| s.value).sum();
        let count: u64 = p.samples.iter().map(|s| s.count).sum();
        let _ = self.summary.set_attribute("data-total", &total.to_string());
        let _ = self.summary.set_attribute("data-count", &count.to_string());
        let _ = self.summary.set_attribute("data-stacks", &p.samples.len().to_string());
        let summary = if p.unit == "samples" { "profile.summary_cpu" } else { "profile.summary" };
        self.summary.set_text_content(Some(&if p.samples.is_empty() {
            t("profile.empty").to_string()
        } else {
            t(summary)
                .replace("{total}", &flame.value(total))
                .replace("{count}", &grouped(count))
                .replace("{stacks}", &grouped(p.samples.len() as u64))
        }));
        self.top.set_inner_html("");
        let Some(head) = add(&self.top, "tr", "", "") else { return };
        for key in ["col.function", "col.location", "col.self", "col.total", "col.count"] {
            add(&head, "th", "", t(key));
        }
        for row in top(p) {
            let Some(f) = p.frames.get(row.frame as usize) else { continue };
            let Some(tr) = add(&self.top, "tr", "", "") else { continue };
            let _ = tr.set_attribute("data-func", &f.func);
            add_verbatim(&tr, "td", "name", &f.func);
            add_verbatim(&tr, "td", "name at", &format!("{}:{}", f.file, f.line));
            for (v, text) in [
                (row.self_value, flame.value(row.self_value)),
                (row.total, flame.value(row.total)),
                (row.count as i64, grouped(row.count)),
            ] {
                if let Some(td) = add(&tr, "td", "num", &text) {
                    let _ = td.set_attribute("data-value", &v.to_string());
                }
            }
        }
        drop(flame);
        self.flame.borrow_mut().draw();
    }
}

/// Offers `bytes` as a file download, from a Blob URL (same-origin: no network involved).
pub fn download(name: &str, bytes: &[u8]) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let a: web_sys::HtmlElement = super::super::dom::el("a", "", "")?.dyn_into()?;
    a.set_attribute("href", &url)?;
    a.set_attribute("download", name)?;
    a.click();
    gloo::timers::callback::Timeout::new(REVOKE_MS, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
