//! What the page and the trace's worker say to each other. The worker owns the decoded trace
//! (hundreds of MB for a big one) and draws the timeline into an OffscreenCanvas; the page owns
//! the DOM and input. Messages are serde values so both ends are checked by the compiler.
//!
//! The trace's bytes and the canvas travel beside the message (transferred, not copied):
//! `postMessage([message, blob, offscreenCanvas])` for [`ToWorker::Open`].

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[derive(Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// Decode the Blob that travels with this message; draw into the OffscreenCanvas with it.
    Open {
        name: String,
    },
    Render(Frame),
    /// A click on the timeline, in CSS pixels of the canvas.
    Pick {
        frame: Frame,
        x: f64,
        y: f64,
    },
    /// The event history of one goroutine, for the details panel.
    Goroutine {
        id: i64,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub enum FromWorker {
    Progress(Progress),
    Loaded(Loaded),
    /// Problems found unasked; sent after the first frame, which does not wait for them (nor
    /// for the goroutine and thread counter rows: the page draws again when this arrives).
    Findings(Vec<FindingView>),
    /// The trace broke at some point: what and where. What decoded before is still loaded.
    Failed {
        message: String,
    },
    Rendered(Rendered),
    Picked(Option<Pick>),
    Goroutine(Option<Details>),
    /// The worker crashed; its state is gone.
    Panic {
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Progress {
    pub bytes: u64,
    pub total: u64,
    pub events: u64,
    pub generation: u64,
    /// Old-format traces keep their stacks and clock frequency at the end.
    pub whole_file_first: bool,
}

/// What the header shows once a trace is loaded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Loaded {
    pub name: String,
    pub bytes: u64,
    pub format: String,
    pub writers: String,
    pub start_ns: i64,
    pub end_ns: i64,
    pub events: u64,
    pub goroutines: u64,
    pub gc_cycles: u64,
    /// The timeline's rows above the goroutine groups, top to bottom, in the P view.
    pub rows: Vec<String>,
    /// Goroutine groups in lane order: name and goroutine count.
    pub groups: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingView {
    pub id: String,
    pub severity: String,
    pub message: String,
    pub location: Option<String>,
}

/// Which rows the timeline shows, and where it looks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub view: crate::timeline::Viewport,
    /// Lanes per P, or per thread (M), as go tool trace's two trace views.
    pub by_thread: bool,
    /// Indices of goroutine groups whose goroutines have lanes of their own.
    pub expanded: Vec<u32>,
    /// The selected goroutine: highlighted, with its flow arrows.
    pub selected: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rendered {
    /// Time spent drawing, in ms (the frame-time benchmark reads these).
    pub ms: f64,
    /// Height of all rows, for the page's vertical scrolling.
    pub content_height: f64,
}

/// What a click hit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Pick {
    /// A goroutine's span on a P, M or goroutine lane.
    Span { goroutine: i64, start_ns: i64, end_ns: i64, state: String },
    /// A goroutine group's header row: expand or collapse it.
    Group { index: u32 },
}

/// A goroutine and what it went through.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Details {
    pub id: i64,
    pub name: String,
    pub created_by: Option<i64>,
    pub events: Vec<HistoryEvent>,
    /// Events beyond the ones listed (very long-lived goroutines).
    pub more: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub time_ns: i64,
    /// go tool trace's names: GoCreate, GoStart, GoSysCall, GoBlock, GoUnblock, GoEnd, …
    pub what: String,
    /// Why it blocked or stopped, as Go says it.
    pub reason: String,
    /// The other goroutine involved: the one created, or the one that unblocked this one.
    pub other: Option<i64>,
    pub proc: Option<i64>,
    /// Leaf first: function, file:line.
    pub stack: Vec<(String, String)>,
}

pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
}

pub fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsValue::from_str(&e.to_string()))
}
