//! The analysis views, as tabs above the timeline's place: each module holds one view and
//! draws what the worker answers (`Query`/`Answer`); the worker computes each answer once.

mod annotations;
mod chart;
mod flame;
mod gc;
mod goroutines;
mod plot_backend;
mod profiles;

use super::app::Shared;
use super::dom::{by_id, show};
use crate::protocol::{Answer, Loaded, Query};
use annotations::Annotations;
use gc::Gc;
use goroutines::Goroutines;
use profiles::Profiles;
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Timeline,
    Goroutines,
    Profiles,
    Gc,
    Tasks,
}

impl Tab {
    const ALL: [Tab; 5] = [Tab::Timeline, Tab::Goroutines, Tab::Profiles, Tab::Gc, Tab::Tasks];

    /// As in the URL and the shell's ids (`tab-NAME`, `view-NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Tab::Timeline => "timeline",
            Tab::Goroutines => "goroutines",
            Tab::Profiles => "profiles",
            Tab::Gc => "gc",
            Tab::Tasks => "tasks",
        }
    }

    pub fn from_name(name: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.name() == name)
    }
}

pub struct Views {
    tabs: Element,
    /// The timeline's controls, beside the tabs.
    timeline_toolbar: Element,
    sections: Vec<(Tab, Element, Element)>,
    current: Cell<Tab>,
    pub goroutines: Goroutines,
    pub profiles: Profiles,
    pub gc: Gc,
    pub annotations: Annotations,
}

impl Views {
    pub fn mount() -> Result<Views, JsValue> {
        let mut sections = Vec::new();
        for tab in Tab::ALL {
            let section =
                if tab == Tab::Timeline { by_id("timeline-section")? } else { by_id(&format!("view-{}", tab.name()))? };
            sections.push((tab, by_id(&format!("tab-{}", tab.name()))?, section));
        }
        Ok(Views {
            tabs: by_id("tabbar")?,
            timeline_toolbar: by_id("timeline-toolbar")?,
            sections,
            current: Cell::new(Tab::Timeline),
            goroutines: Goroutines::new(by_id("goroutines-body")?),
            profiles: Profiles::mount()?,
            gc: Gc::mount()?,
            annotations: Annotations::mount()?,
        })
    }

    pub fn current(&self) -> Tab {
        self.current.get()
    }

    /// Shows `tab`; returns what it needs from the worker that it does not have yet.
    pub fn show(&self, tab: Tab) -> Vec<Query> {
        self.current.set(tab);
        show(&self.tabs, true);
        show(&self.timeline_toolbar, tab == Tab::Timeline);
        for (t, button, section) in &self.sections {
            show(section, *t == tab);
            let _ = button.set_attribute("aria-selected", if *t == tab { "true" } else { "false" });
        }
        match tab {
            Tab::Goroutines if !self.goroutines.has_data() => vec![Query::Groups],
            Tab::Profiles => {
                let q = self.profiles.wanted();
                if self.profiles.has(&q) {
                    // Drawn while hidden, the canvas had no width.
                    self.profiles.flame.borrow_mut().draw();
                    Vec::new()
                } else {
                    vec![q]
                }
            }
            Tab::Gc => {
                let q = self.gc.wanted();
                if q.is_none() {
                    // Drawn while hidden, the charts had no width.
                    self.gc.draw();
                }
                q.into_iter().collect()
            }
            Tab::Tasks if !self.annotations.has_data() => vec![Query::Annotations],
            // Drawn while hidden, the histogram had no width.
            Tab::Tasks => {
                self.annotations.draw();
                Vec::new()
            }
            Tab::Timeline | Tab::Goroutines => Vec::new(),
        }
    }

    /// Scrolls the tabs to the top of the window: a finding's evidence is below the findings.
    pub fn scroll_to(&self) {
        self.tabs.scroll_into_view();
    }

    /// A new trace: what the views held belongs to the old one.
    pub fn reset(&self, loaded: &Loaded) {
        self.goroutines.reset();
        self.profiles.reset(&loaded.groups);
        self.gc.reset();
        self.annotations.reset();
    }

    pub fn answer(&self, a: Answer) {
        match a {
            Answer::Groups(groups) => self.goroutines.groups(groups),
            Answer::Group { name, count, goroutines } => self.goroutines.members(name, count, goroutines),
            Answer::Profile { kind, group, profile } => self.profiles.profile(kind, group, profile),
            Answer::Pprof { kind, gzipped } => {
                if let Err(e) = profiles::download(&format!("{kind}.pb.gz"), &gzipped) {
                    super::view::show_panic(&format!(
                        "gotv: cannot offer the download: {}",
                        crate::js_error::describe(&e)
                    ));
                }
            }
            Answer::Gc(g) => self.gc.set(g),
            Answer::Annotations(a) => self.annotations.set(a),
        }
    }

    /// The language changed: every view draws its labels again.
    pub fn relabel(&self) {
        self.goroutines.draw();
        self.profiles.relabel();
        self.gc.draw();
        self.annotations.draw();
    }
}

/// The element a click landed in that carries `attribute`.
fn clicked(e: &web_sys::Event, attribute: &str) -> Option<Element> {
    e.target()?.dyn_into::<Element>().ok()?.closest(&format!("[{attribute}]")).ok().flatten()
}

pub fn attach(app: Shared) -> Result<(), JsValue> {
    let mut listeners = Vec::new();
    for tab in Tab::ALL {
        let app = app.clone();
        listeners.push(super::dom::on(&format!("tab-{}", tab.name()), "click", move |_| app.tab(tab))?);
    }
    listeners.push({
        let app = app.clone();
        super::dom::on("goroutines-body", "click", move |e| {
            if let Some(link) = clicked(e, "data-goroutine") {
                let number = |k: &str| link.get_attribute(k).and_then(|v| v.parse::<i64>().ok());
                let group = app.views().goroutines.opened();
                if let Some(id) = number("data-goroutine") {
                    app.show_goroutine(group.as_deref(), id, number("data-at"));
                }
            } else if let Some(th) = clicked(e, "data-sort") {
                if let Some(i) = th.get_attribute("data-sort").and_then(|v| v.parse().ok()) {
                    app.views().goroutines.sort_by(i);
                }
            } else if let Some(row) = clicked(e, "data-group").filter(|r| r.tag_name() == "TR") {
                let name = row.get_attribute("data-group").unwrap_or_default();
                let views = app.views();
                if views.goroutines.opened().as_deref() == Some(name.as_str()) {
                    views.goroutines.close_group();
                } else {
                    app.query(Query::Group { name });
                }
                app.remember();
            }
        })?
    });
    for id in ["profile-kind", "profile-group"] {
        let app = app.clone();
        listeners.push(super::dom::on(id, "change", move |_| app.tab(Tab::Profiles))?);
    }
    listeners.push({
        let app = app.clone();
        super::dom::on("profile-search", "input", move |e| {
            let text = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value());
            app.views().profiles.flame.borrow_mut().search(&text.unwrap_or_default());
        })?
    });
    listeners.push({
        let app = app.clone();
        super::dom::on("flame-reset", "click", move |_| app.views().profiles.flame.borrow_mut().zoom_out())?
    });
    listeners.push({
        let app = app.clone();
        super::dom::on("profile-download", "click", move |_| {
            if let Some(q) = app.views().profiles.pprof() {
                app.query(q);
            }
        })?
    });
    let flame = by_id("flame")?;
    let local = {
        let flame = flame.clone();
        move |e: &web_sys::Event| {
            let e = e.dyn_ref::<web_sys::MouseEvent>()?;
            let r = flame.get_bounding_client_rect();
            Some((e.client_x() as f64 - r.left(), e.client_y() as f64 - r.top()))
        }
    };
    listeners.push({
        let (app, local) = (app.clone(), local.clone());
        gloo::events::EventListener::new(&flame, "click", move |e| {
            if let Some((x, y)) = local(e) {
                app.views().profiles.flame.borrow_mut().click(x, y);
            }
        })
    });
    listeners.push({
        let app = app.clone();
        gloo::events::EventListener::new(&flame, "mousemove", move |e| {
            if let Some((x, y)) = local(e) {
                app.views().profiles.flame.borrow().hover(x, y);
            }
        })
    });
    listeners.push({
        let app = app.clone();
        gloo::events::EventListener::new(&flame, "mouseleave", move |_| app.views().profiles.flame.borrow().leave())
    });
    listeners.push({
        let app = app.clone();
        super::dom::on("mmu-flags", "change", move |_| app.tab(Tab::Gc))?
    });
    for view in ["view-gc", "view-tasks"] {
        let app = app.clone();
        listeners.push(super::dom::on(view, "click", move |e| {
            if let Some(link) = clicked(e, "data-from") {
                let number = |k: &str| link.get_attribute(k).and_then(|v| v.parse::<i64>().ok());
                if let (Some(from), Some(to)) = (number("data-from"), number("data-to")) {
                    app.show_range(from, to);
                    if let Some(g) = number("data-goroutine") {
                        app.jump(g, None);
                    }
                }
            } else if let Some(row) = clicked(e, "data-index") {
                let index = row.get_attribute("data-index").and_then(|v| v.parse().ok());
                if let Some(i) = index {
                    app.views().annotations.choose(row.get_attribute("data-region").as_deref() == Some("1"), i);
                }
            }
        })?);
    }
    listeners.push({
        let app = app.clone();
        super::dom::on("findings-list", "click", move |e| {
            let Some(id) = clicked(e, "data-evidence").and_then(|b| b.get_attribute("data-evidence")) else { return };
            app.evidence(&id);
        })?
    });
    listeners.push({
        let app = app.clone();
        super::dom::on("lang", "change", move |e| {
            let value = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
            app.set_lang(super::i18n::Lang::from_code(&value.unwrap_or_default()));
        })?
    });
    // The page lives as long as these listeners do.
    for l in listeners {
        l.forget();
    }
    Ok(())
}
