//! The page's state: which trace is shown, which one is being opened, and where the timeline
//! looks. Each opened file gets its own worker (which owns the decoded trace) and canvas; the
//! shown trace stays until a new one has loaded, and cancelling just terminates the worker.

use super::details::DetailsPanel;
use super::dom::document;
use super::i18n::{self, Lang};
use super::link::{self, Link};
use super::nav::Nav;
use super::view::{failure_text, show_panic, View};
use super::views::{Tab, Views};
use crate::js_error::describe;
use crate::protocol::{from_js, to_js, Failure, FindingView, FromWorker, Loaded, Pick, Query, SourceLine, ToWorker};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, HtmlCanvasElement, MessageEvent, Worker};

#[wasm_bindgen]
extern "C" {
    /// Set by the bootstrap: a worker running this same module, already instantiated.
    #[wasm_bindgen(js_name = gotvSpawnWorker, catch)]
    fn spawn_worker() -> Result<Worker, JsValue>;
}

/// A trace living in a worker.
struct Remote {
    id: u32,
    name: String,
    worker: Worker,
    canvas: HtmlCanvasElement,
    loaded: Option<Loaded>,
    /// Arrive after the first frame.
    findings: Option<Vec<FindingView>>,
    _listener: Closure<dyn FnMut(MessageEvent)>,
    _failed: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.worker.terminate();
        self.canvas.remove();
    }
}

#[derive(Default)]
struct State {
    shown: Option<Remote>,
    opening: Option<Remote>,
    /// A trace being downloaded (`?trace=`), by name: cancelling aborts it.
    download: Option<(String, web_sys::AbortController)>,
    nav: Option<Nav>,
    opened: u32,
    /// What the URL asked for when the page loaded: applied to the first trace shown.
    link: Option<Link>,
    /// The URL is written a moment after the last change (a drag changes it every frame).
    remember: Option<gloo::timers::callback::Timeout>,
}

pub struct App {
    view: View,
    views: Views,
    details: DetailsPanel,
    host: web_sys::Element,
    /// The host's inside (its border excluded) in CSS pixels, as last laid out while shown;
    /// `None` until then. Kept from a resize observer, because reading it from the element
    /// lays the page out there and then, inside whatever task asks.
    size: Cell<Option<(f64, f64)>>,
    state: RefCell<State>,
}

pub type Shared = Rc<App>;

impl App {
    pub fn mount() -> Result<Shared, JsValue> {
        let link = link::read();
        i18n::set(i18n::initial(link.lang.as_deref()));
        Ok(Rc::new(App {
            view: View::mount()?,
            views: Views::mount()?,
            details: DetailsPanel::mount()?,
            host: super::dom::by_id("timeline")?,
            size: Cell::new(None),
            state: RefCell::new(State { link: Some(link), ..State::default() }),
        }))
    }

    pub fn views(&self) -> &Views {
        &self.views
    }

    /// A source could not deliver bytes (a failed fetch, an unreadable file).
    pub fn failed(&self, name: &str, message: &str) {
        self.view.error(name, message);
    }

    /// A download has begun; `cancel` aborts it through `controller`.
    pub fn downloading(&self, name: &str, controller: web_sys::AbortController) {
        self.view.opening(name);
        self.state.borrow_mut().download = Some((name.to_string(), controller));
    }

    /// The download is over, one way or another. False if it was cancelled.
    pub fn downloaded(&self) -> bool {
        self.state.borrow_mut().download.take().is_some()
    }

    pub fn open(self: &Rc<Self>, name: &str, blob: Blob) {
        if let Err(e) = self.start(name, blob) {
            self.view.error(name, &i18n::t("error.start").replace("{why}", &describe(&e)));
        }
    }

    fn start(self: &Rc<Self>, name: &str, blob: Blob) -> Result<(), JsValue> {
        let id = {
            let mut s = self.state.borrow_mut();
            s.opened += 1;
            // Opening another file replaces one still opening.
            s.opening = None;
            s.opened
        };
        self.view.opening(name);
        let worker = spawn_worker()?;
        let canvas: HtmlCanvasElement = document().ok_or("no document")?.create_element("canvas")?.dyn_into()?;
        canvas.set_class_name("timeline-canvas hidden");
        self.host.append_child(&canvas)?;
        let offscreen = canvas.transfer_control_to_offscreen()?;
        let app: Weak<App> = Rc::downgrade(self);
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(app) = app.upgrade() else { return };
            match from_js::<FromWorker>(e.data()) {
                Ok(message) => app.message(id, message),
                Err(e) => show_panic(&format!("gotv: a message from the worker did not parse: {}", describe(&e))),
            }
        });
        worker.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        let app: Weak<App> = Rc::downgrade(self);
        let failed = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Some(app) = app.upgrade() else { return };
            // A script error has a message; a worker that could not even load has none.
            let why = e.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty());
            let message = match why {
                Some(why) => i18n::t("error.worker").replace("{why}", &why),
                None => i18n::t("error.worker_not_started").to_string(),
            };
            app.message(id, FromWorker::Failed(Failure::Other(message)));
        });
        worker.set_onerror(Some(failed.as_ref().unchecked_ref()));
        let message = to_js(&ToWorker::Open { name: name.to_string(), memory_mb: super::link::memory_mb() })?;
        worker.post_message_with_transfer(
            &js_sys::Array::of3(&message, &blob, &offscreen),
            &js_sys::Array::of1(&offscreen),
        )?;
        self.state.borrow_mut().opening = Some(Remote {
            id,
            name: name.to_string(),
            worker,
            canvas,
            loaded: None,
            findings: None,
            _listener: listener,
            _failed: failed,
        });
        Ok(())
    }

    pub fn cancel(&self) {
        let (opening, download) = {
            let mut s = self.state.borrow_mut();
            (s.opening.take(), s.download.take())
        };
        if let Some((name, controller)) = download {
            controller.abort();
            self.view.cancelled(&name);
        }
        if let Some(r) = opening {
            self.view.cancelled(&r.name);
        }
    }

    fn message(&self, id: u32, message: FromWorker) {
        let mut s = self.state.borrow_mut();
        let opening = s.opening.as_ref().is_some_and(|r| r.id == id);
        let shown = s.shown.as_ref().is_some_and(|r| r.id == id);
        if !opening && !shown {
            return;
        }
        match message {
            FromWorker::Progress(p) => {
                if let Some(r) = s.opening.as_ref().filter(|_| opening) {
                    self.view.progress(&r.name, &p);
                }
            }
            FromWorker::Loaded(loaded) => {
                let Some(mut r) = s.opening.take().filter(|_| opening) else { return };
                self.view.loaded(&loaded);
                self.details.clear();
                r.canvas.set_class_name("timeline-canvas");
                let rows = loaded.rows.join(", ");
                let groups = loaded.groups.len();
                let _ =
                    self.host.set_attribute("aria-label", &format!("Timeline: {rows}, then {groups} goroutine groups"));
                let _ = self.host.set_attribute("data-rows", &loaded.rows.join("|"));
                let mut nav = Nav::new(&loaded, self.size.get(), dpr());
                let link = s.link.take().unwrap_or_default();
                restore(&mut nav, &link);
                s.nav = Some(nav);
                self.views.reset(&loaded);
                if let Some(kind) = &link.profile {
                    self.views.profiles.choose(kind, "");
                }
                r.loaded = Some(loaded);
                // The old trace's worker and canvas go with it.
                s.shown = Some(r);
                if let Some(name) = link.group {
                    self.post(&s, &ToWorker::Query(Query::Group { name }));
                }
                self.render(&mut s);
                drop(s);
                if let Some(id) = link.selected {
                    self.jump(id, None);
                }
                self.tab(link.view.as_deref().and_then(Tab::from_name).unwrap_or(Tab::Timeline));
            }
            FromWorker::Findings(findings) => {
                if let Some(r) = s.shown.as_mut().filter(|_| shown) {
                    self.view.findings(&findings);
                    r.findings = Some(findings);
                    // The counter rows are complete now.
                    self.render(&mut s);
                }
            }
            FromWorker::Failed(failure) => {
                let message = failure_text(&failure);
                let name = if opening { s.opening.as_ref() } else { s.shown.as_ref() }.map(|r| r.name.clone());
                let name = name.unwrap_or_default();
                if opening && s.opening.as_ref().is_some_and(|r| r.loaded.is_none()) {
                    // Nothing decoded: whatever was shown before stays.
                    s.opening = None;
                    self.view.error(&name, &message);
                } else {
                    self.view.error(&name, &format!("{message}{}", i18n::t("error.shown")));
                }
            }
            FromWorker::Rendered(r) => {
                if let Some(nav) = s.nav.as_mut() {
                    nav.rendered(&r, &self.host);
                }
                if s.nav.as_ref().is_some_and(|n| n.dirty) {
                    self.render(&mut s);
                } else {
                    drop(s);
                    self.remember();
                }
            }
            FromWorker::Picked(pick) => self.picked(&mut s, pick),
            FromWorker::Goroutine(details) => {
                let origin = s.nav.as_ref().map_or(0, |n| n.origin_ns);
                self.details.show(details.as_ref(), origin)
            }
            FromWorker::Revealed(Some(y)) => {
                if let Some(nav) = s.nav.as_mut() {
                    // The lane a third of the way down, with the lanes above it for context.
                    let v = &mut nav.frame.view;
                    let dy = y - v.height / 3.0 - v.scroll_y;
                    nav.scroll(dy);
                }
                self.render(&mut s);
            }
            FromWorker::Revealed(None) => {}
            FromWorker::Answer(a) => {
                drop(s);
                self.views.answer(a);
            }
            FromWorker::Unanswered { message } => {
                let name = s.shown.as_ref().map(|r| r.name.clone()).unwrap_or_default();
                self.view.error(&name, &message);
            }
            FromWorker::Panic { message } => show_panic(&message),
        }
    }

    /// Shows one of the views, asking the worker for what it lacks.
    pub fn tab(&self, tab: Tab) {
        let queries = self.views.show(tab);
        let mut s = self.state.borrow_mut();
        for q in queries {
            self.post(&s, &ToWorker::Query(q));
        }
        // Another view still gets the first frame, held back for the timeline's layout: the
        // worker finishes the trace (findings, counter rows) after it.
        if tab == Tab::Timeline || s.nav.as_ref().is_some_and(|n| n.dirty) {
            self.render(&mut s);
        }
        drop(s);
        self.remember();
    }

    pub fn query(&self, q: Query) {
        self.post(&self.state.borrow(), &ToWorker::Query(q));
    }

    /// Opens goroutine `id` in the timeline: its group gets lanes, and time `at_ns` is centred.
    pub fn show_goroutine(&self, group: Option<&str>, id: i64, at_ns: Option<i64>) {
        {
            let mut s = self.state.borrow_mut();
            let index = group.and_then(|name| {
                let groups = &s.shown.as_ref()?.loaded.as_ref()?.groups;
                groups.iter().position(|g| g.0 == name)
            });
            if let (Some(i), Some(nav)) = (index, s.nav.as_mut()) {
                if !nav.frame.expanded.contains(&(i as u32)) {
                    nav.frame.expanded.push(i as u32);
                }
            }
        }
        self.tab(Tab::Timeline);
        self.jump(id, at_ns);
        let s = self.state.borrow();
        if let Some(nav) = s.nav.as_ref() {
            self.post(&s, &ToWorker::Reveal { frame: nav.frame.clone(), id });
        }
    }

    /// Shows time `[start_ns, end_ns]` (relative to the trace start) in the timeline.
    pub fn show_range(&self, start_ns: i64, end_ns: i64) {
        self.tab(Tab::Timeline);
        self.navigate(|n| {
            let pad = (end_ns - start_ns) as f64 * 0.05;
            let o = n.origin_ns as f64;
            n.frame.view.show(o + start_ns as f64 - pad, o + end_ns as f64 + pad);
        });
    }

    fn finding_location(&self, finding: &str) -> Option<SourceLine> {
        let s = self.state.borrow();
        let findings = s.shown.as_ref()?.findings.as_ref()?;
        findings.iter().find(|f| f.id == finding)?.location.clone()
    }

    /// Where a finding's evidence is: the view that shows it.
    pub fn evidence(&self, finding: &str) {
        match finding {
            "unbounded-goroutines" => {
                self.views.goroutines.by_count();
                self.tab(Tab::Goroutines);
                // The group that go statement started, opened with its goroutines' lifetimes.
                if let Some(at) = self.finding_location(finding) {
                    self.query(Query::CreatedAt { file: at.file, line: at.line });
                }
            }
            "lock-contention" => {
                let func = self.finding_location(finding).map(|at| at.func).unwrap_or_default();
                self.views.profiles.choose("sync", &func);
                self.tab(Tab::Profiles);
            }
            "gc-pressure" => self.tab(Tab::Gc),
            "sched-latency" => {
                self.views.profiles.choose("sched", "");
                self.tab(Tab::Profiles);
            }
            _ => self.tab(Tab::Timeline),
        }
        // Shown once the view is: scrolled to before, its content was not yet there.
        self.views.scroll_to();
    }

    pub fn set_lang(&self, l: Lang) {
        i18n::set(l);
        self.navigate(|n| n.frame.labels = i18n::timeline_labels());
        if let Some(r) = self.state.borrow().shown.as_ref() {
            if let Some(loaded) = &r.loaded {
                self.view.relabel(loaded);
            }
            if let Some(findings) = &r.findings {
                self.view.findings(findings);
            }
        }
        self.views.relabel();
        self.remember();
    }

    /// Puts where the page is into the URL, shortly after the last change.
    pub fn remember(&self) {
        let link = {
            let s = self.state.borrow();
            let Some(nav) = s.nav.as_ref() else { return };
            let v = &nav.frame.view;
            let tab = self.views.current();
            Link {
                view: (tab != Tab::Timeline).then(|| tab.name().to_string()),
                range: Some((
                    (v.start_ns - nav.origin_ns as f64).round() as i64,
                    (v.end_ns - nav.origin_ns as f64).round() as i64,
                )),
                selected: nav.frame.selected,
                expanded: nav.frame.expanded.clone(),
                group: self.views.goroutines.opened(),
                profile: (tab == Tab::Profiles).then(|| self.views.profiles.kind()),
                // The language goes in only when chosen over the browser's.
                lang: (i18n::lang() != i18n::initial(None)).then(|| i18n::lang().code().to_string()),
            }
        };
        let timeout = gloo::timers::callback::Timeout::new(REMEMBER_MS, move || link::write(&link));
        self.state.borrow_mut().remember = Some(timeout);
    }

    fn picked(&self, s: &mut State, pick: Option<Pick>) {
        let Some(nav) = s.nav.as_mut() else { return };
        match pick {
            Some(Pick::Group { index }) => nav.toggle_group(index),
            Some(Pick::Span { goroutine, start_ns, end_ns, ref state }) => {
                nav.frame.selected = Some(goroutine);
                self.details.span(goroutine, start_ns - nav.origin_ns, end_ns - start_ns, state);
                self.post(s, &ToWorker::Goroutine { id: goroutine });
            }
            None => {
                nav.frame.selected = None;
                self.details.clear();
            }
        }
        self.render(s);
    }

    /// Changes where the timeline looks (or what it shows) and draws it again.
    pub fn navigate(&self, change: impl FnOnce(&mut Nav)) {
        let mut s = self.state.borrow_mut();
        let Some(nav) = s.nav.as_mut() else { return };
        change(nav);
        self.render(&mut s);
    }

    /// Asks the worker what is at canvas position (x, y).
    pub fn click(&self, x: f64, y: f64) {
        let s = self.state.borrow();
        if let Some(nav) = s.nav.as_ref() {
            self.post(&s, &ToWorker::Pick { frame: nav.frame.clone(), x, y });
        }
    }

    /// Selects goroutine `id` and brings time `at_ns` (relative to the trace start) into view.
    pub fn jump(&self, id: i64, at_ns: Option<i64>) {
        let mut s = self.state.borrow_mut();
        let Some(nav) = s.nav.as_mut() else { return };
        nav.frame.selected = Some(id);
        if let Some(t) = at_ns {
            nav.center_on((t + nav.origin_ns) as f64);
        }
        self.post(&s, &ToWorker::Goroutine { id });
        self.render(&mut s);
    }

    fn render(&self, s: &mut State) {
        let Some(nav) = s.nav.as_mut() else { return };
        // Before the host's first layout there is no size to draw at: that layout draws. A
        // hidden timeline, or a page in a background tab (which is not laid out until shown),
        // draws at the stand-in size.
        let awaits_layout = || self.views.current() == Tab::Timeline && !document().is_some_and(|d| d.hidden());
        if nav.in_flight || !nav.sized && awaits_layout() {
            nav.dirty = true;
            return;
        }
        nav.in_flight = true;
        nav.dirty = false;
        let frame = nav.frame.clone();
        nav.asking(&self.host);
        self.post(s, &ToWorker::Render(frame));
    }

    fn post(&self, s: &State, message: &ToWorker) {
        let Some(r) = s.shown.as_ref() else { return };
        match to_js(message) {
            Ok(v) => {
                if let Err(e) = r.worker.post_message(&v) {
                    show_panic(&format!("gotv: cannot reach the trace's worker: {}", describe(&e)));
                }
            }
            Err(e) => show_panic(&format!("gotv: {}", describe(&e))),
        }
    }

    /// The host element, for the observer that calls [`App::laid_out`].
    pub fn host(&self) -> &web_sys::Element {
        &self.host
    }

    /// The host has been laid out (it was resized, or shown): the canvas fills its inside.
    /// A hidden host (no size) keeps the last size, for when it is shown again.
    pub fn laid_out(&self) {
        let (w, h) = (f64::from(self.host.client_width()), f64::from(self.host.client_height()));
        if w == 0.0 || h == 0.0 || self.size.get() == Some((w, h)) {
            return;
        }
        self.size.set(Some((w, h)));
        self.navigate(|n| n.resize(w, h, dpr()));
    }
}

/// How long the URL waits for the page to settle before it is rewritten.
const REMEMBER_MS: u32 = 300;

/// Puts the timeline where a deep link says.
fn restore(nav: &mut Nav, link: &Link) {
    if let Some((from, to)) = link.range {
        let o = nav.origin_ns as f64;
        nav.frame.view.show(o + from as f64, o + to as f64);
    }
    nav.frame.selected = link.selected;
    nav.frame.expanded = link.expanded.clone();
}

pub fn dpr() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio())
}
