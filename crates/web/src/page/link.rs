//! Deep links: the view, the time range, the selected goroutine and the open groups live in
//! the page's query string beside `?trace=`, so reloading or sharing the URL comes back to the
//! same place. The trace itself never goes into the URL.

use web_sys::UrlSearchParams;

/// What the URL holds besides the trace. Times are ns from the trace's start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Link {
    pub view: Option<String>,
    pub range: Option<(i64, i64)>,
    pub selected: Option<i64>,
    /// Timeline groups with lanes of their own, by index.
    pub expanded: Vec<u32>,
    /// The group opened in the goroutine analysis.
    pub group: Option<String>,
    /// The profile shown.
    pub profile: Option<String>,
    pub lang: Option<String>,
}

const KEYS: [&str; 8] = ["view", "from", "to", "g", "lanes", "group", "profile", "lang"];

fn params() -> Option<UrlSearchParams> {
    let search = web_sys::window()?.location().search().ok()?;
    UrlSearchParams::new_with_str(&search).ok()
}

pub fn read() -> Link {
    let Some(p) = params() else { return Link::default() };
    let number = |k: &str| p.get(k).and_then(|v| v.parse::<i64>().ok());
    Link {
        view: p.get("view"),
        range: number("from").zip(number("to")).filter(|(a, b)| a < b),
        selected: number("g"),
        expanded: p.get("lanes").map_or_else(Vec::new, |v| v.split(',').filter_map(|i| i.parse().ok()).collect()),
        group: p.get("group"),
        profile: p.get("profile"),
        lang: p.get("lang"),
    }
}

/// The memory a trace may take, in MB, when the URL limits it (`?memory=MB`): on a machine
/// short of memory, a huge trace then opens in part rather than filling it.
pub fn memory_mb() -> Option<f64> {
    params()?.get("memory")?.parse().ok().filter(|mb: &f64| *mb > 0.0)
}

/// Puts `link` into the URL without a new history entry, keeping `?trace=` and anything else.
pub fn write(link: &Link) {
    let Some(p) = params() else { return };
    for k in KEYS {
        p.delete(k);
    }
    let set = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            p.append(k, &v);
        }
    };
    set("view", link.view.clone());
    set("from", link.range.map(|r| r.0.to_string()));
    set("to", link.range.map(|r| r.1.to_string()));
    set("g", link.selected.map(|g| g.to_string()));
    let lanes: Vec<String> = link.expanded.iter().map(|i| i.to_string()).collect();
    set("lanes", (!lanes.is_empty()).then(|| lanes.join(",")));
    set("group", link.group.clone());
    set("profile", link.profile.clone());
    set("lang", link.lang.clone());
    let Some(window) = web_sys::window() else { return };
    let query = String::from(p.to_string());
    let hash = window.location().hash().unwrap_or_default();
    let url = if query.is_empty() {
        format!("{}{hash}", window.location().pathname().unwrap_or_default())
    } else {
        format!("?{query}{hash}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}
