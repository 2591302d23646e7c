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
        /// At most this much memory for the trace (`?memory=MB`), if the URL says less than
        /// the page's own budget.
        memory_mb: Option<f64>,
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
    /// Where goroutine `id`'s own lane is in `frame`, to scroll to it.
    Reveal {
        frame: Frame,
        id: i64,
    },
    /// Data for one of the analysis views, computed on first use and kept.
    Query(Query),
}

#[derive(Debug, Serialize, Deserialize)]
pub enum FromWorker {
    Progress(Progress),
    Loaded(Loaded),
    /// Problems found unasked; sent after the first frame, which does not wait for them (nor
    /// for the goroutine and thread counter rows: the page draws again when this arrives).
    Findings(Vec<FindingView>),
    /// The trace broke at some point: what and where. What decoded before is still loaded.
    Failed(Failure),
    Rendered(Rendered),
    Picked(Option<Pick>),
    Goroutine(Option<Details>),
    /// The top of the lane asked for by `Reveal`, in content coordinates.
    Revealed(Option<f64>),
    Answer(Answer),
    /// A view's query could not be answered; the trace itself is fine.
    Unanswered {
        message: String,
    },
    /// The worker crashed; its state is gone.
    Panic {
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Failure {
    /// Decoding stopped early, in parts for the page to say in its language.
    Decoding(Stopped),
    /// The file could not be read at `offset`: the browser's reason, or none when the file
    /// changed on disk while it was read.
    Unreadable { offset: u64, why: Option<String> },
    /// The worker failed.
    Other(String),
}

/// Where and why decoding stopped ([`gotv_decode::Error`]). The details Go's parser words
/// (`what`, `found`) stay as they are, as searchable as Go's own messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stopped {
    pub kind: StopKind,
    pub offset: u64,
    pub generation: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum StopKind {
    NotATrace { found: String },
    UnsupportedVersion { minor: u32 },
    Truncated { what: String },
    Malformed { what: String },
    TooBig { budget_mb: u32, need_mb: u32, whole: bool },
}

impl From<&gotv_decode::Error> for Stopped {
    fn from(e: &gotv_decode::Error) -> Stopped {
        use gotv_decode::ErrorKind as K;
        let kind = match &e.kind {
            K::NotATrace { found } => StopKind::NotATrace { found: found.clone() },
            K::UnsupportedVersion { minor } => StopKind::UnsupportedVersion { minor: *minor },
            K::Truncated { what } => StopKind::Truncated { what: what.to_string() },
            K::Malformed { what } => StopKind::Malformed { what: what.clone() },
            &K::TooBig { budget_mb, need_mb, whole } => StopKind::TooBig { budget_mb, need_mb, whole },
        };
        Stopped { kind, offset: e.offset, generation: e.generation }
    }
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
    /// In English, as `gotv diagnose` prints it; the page words it again from `numbers` in
    /// other languages.
    pub message: String,
    /// The numbers behind the finding, by the names `gotv diagnose --json` gives them.
    pub numbers: Vec<(String, f64)>,
    pub location: Option<SourceLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceLine {
    pub func: String,
    pub file: String,
    pub line: u64,
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
    /// The canvas's words, in the page's language.
    pub labels: TimelineLabels,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineLabels {
    pub time_axis: String,
    /// A group's row: "{n} goroutines", or `group_one` for a group of one.
    pub group: String,
    pub group_one: String,
    /// Appended to a collapsed group's row.
    pub expand: String,
    /// Counter rows' titles, by their English names (Go's metric names beside them stay).
    pub counters: Vec<(String, String)>,
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

/// What a view asks the worker for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Query {
    /// Goroutine groups with their time breakdown (`gotv goroutines`).
    Groups,
    /// The goroutines of one group (`gotv goroutines --group NAME`).
    Group {
        name: String,
    },
    /// The goroutines of the group that the `go` statement at `file:line` started.
    CreatedAt {
        file: String,
        line: u64,
    },
    /// A blocking profile (net, sync, syscall, sched) or "cpu", optionally of one group's
    /// goroutines.
    Profile {
        kind: String,
        group: Option<String>,
    },
    /// The same profile as a gzipped pprof file.
    Pprof {
        kind: String,
        group: Option<String>,
    },
    /// GC cycles, pauses, heap, and the MMU counting what `flags` name (any of stw,
    /// background, assist, sweep: `gotv mmu --flags`).
    Gc {
        flags: Vec<String>,
    },
    Annotations,
}

impl Query {
    /// What the worker's timings call the time it took to answer.
    pub fn timing_name(&self) -> &'static str {
        match self {
            Query::Groups => "answer groups",
            Query::Group { .. } => "answer group",
            Query::CreatedAt { .. } => "answer created at",
            Query::Profile { .. } => "answer profile",
            Query::Pprof { .. } => "answer pprof",
            Query::Gc { .. } => "answer gc",
            Query::Annotations => "answer annotations",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Answer {
    Groups(Vec<GroupRow>),
    /// The group's longest-lived goroutines (a group can hold millions), and how many it has.
    Group {
        name: String,
        count: u64,
        goroutines: Vec<GoroutineRow>,
    },
    Profile {
        kind: String,
        group: Option<String>,
        profile: ProfileView,
    },
    Pprof {
        kind: String,
        gzipped: Vec<u8>,
    },
    Gc(GcView),
    Annotations(AnnotationsView),
}

/// Go's goroutine time accounting (`ExecStats`): non-overlapping buckets, then ranges.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub exec_ns: i64,
    pub sched_wait_ns: i64,
    /// By Go's reason (`sync`, `chan receive`, `network`, …).
    pub block_ns: Vec<(String, i64)>,
    pub syscall_ns: i64,
    pub syscall_block_ns: i64,
    /// `GC mark assist`, `GC incremental sweep`, `stop-the-world (…)`: they overlap the rest.
    pub range_ns: Vec<(String, i64)>,
    pub unknown_ns: i64,
    pub total_ns: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRow {
    pub name: String,
    pub count: u64,
    pub stats: Breakdown,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoroutineRow {
    pub id: i64,
    /// Relative to the trace start; `start_ns` and `end_ns` absent when it never ran or
    /// had not ended.
    pub created_ns: i64,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    pub stats: Breakdown,
}

/// A profile with its frames interned: stacks repeat the same functions many times.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileView {
    pub frames: Vec<SourceLine>,
    pub samples: Vec<SampleView>,
    /// What `value` measures: "delay" (ns) for blocking profiles, "samples" for CPU.
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SampleView {
    /// Indices into `frames`, leaf first.
    pub stack: Vec<u32>,
    pub count: u64,
    pub value: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GcView {
    /// The MMU's flags, as asked for.
    pub flags: Vec<String>,
    /// Times relative to the trace start.
    pub cycles: Vec<(i64, i64)>,
    pub pauses: Vec<PauseView>,
    /// Step series, each value holding until the next point; thinned to what a chart can show
    /// (a 200 MB trace's heap series has 90,000 points).
    pub heap_alloc: Vec<(i64, u64)>,
    pub heap_goal: Vec<(i64, u64)>,
    pub duration_ns: i64,
    pub summary: gotv_analysis::GcSummary,
    /// (window ns, MMU) with Go's default flags: STW, background workers, assists.
    pub mmu: Vec<(i64, f64)>,
    /// The lowest-utilization windows of `mmu_window_ns`, worst first.
    pub mmu_window_ns: i64,
    pub worst: Vec<(i64, f64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PauseView {
    pub start_ns: i64,
    pub duration_ns: i64,
    pub reason: String,
    pub goroutine: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AnnotationsView {
    pub tasks: Vec<TypeView>,
    pub regions: Vec<TypeView>,
    pub logs: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeView {
    pub name: String,
    pub count: u64,
    pub complete: u64,
    pub total_ns: i64,
    pub mean_ns: i64,
    pub p50_ns: i64,
    pub p90_ns: i64,
    pub p99_ns: i64,
    pub max_ns: i64,
    /// (bucket lower bound ns, count).
    pub histogram: Vec<(i64, u64)>,
    /// Regions: the outermost frame where they begin (one name can begin in several places).
    pub place: Option<SourceLine>,
    /// The slowest instances: (goroutine, start relative to trace start, duration).
    pub slowest: Vec<(i64, i64, i64)>,
}

pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
}

pub fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsValue::from_str(&e.to_string()))
}
