//! Garbage collection over time: cycles, stop-the-world pauses and the heap, for the
//! timeline and for findings.

use gotv_decode::{EventKind, GoId, Metric, Resource, Trace};
use serde::{Deserialize, Serialize};

use crate::id_map::IdMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcCycle {
    /// Start of the concurrent mark phase (trace clock, ns); for a cycle already running when
    /// the trace began, the trace start.
    pub start_ns: i64,
    /// Until the end of the mark phase; to the trace end if it had not ended.
    pub duration_ns: i64,
    pub ended: bool,
    /// The cycle's phases: the stop-the-world pause that ends sweeping and starts marking,
    /// the concurrent mark (the program runs beside the GC workers and assists), and the
    /// pause that ends marking. A pause outside the trace is absent, and the concurrent mark
    /// then reaches the cycle's start or end.
    pub sweep_termination: Option<Span>,
    pub concurrent_mark: Span,
    pub mark_termination: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start_ns: i64,
    pub duration_ns: i64,
}

impl Span {
    fn end_ns(self) -> i64 {
        self.start_ns + self.duration_ns
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pause {
    pub start_ns: i64,
    pub duration_ns: i64,
    /// What stopped the world: `GC mark termination`, `GC sweep termination`, `start trace`…
    pub reason: String,
    /// The goroutine that stopped it.
    pub goroutine: GoId,
}

/// A value from `time` until the next point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    pub time: i64,
    pub value: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GcAnalysis {
    pub cycles: Vec<GcCycle>,
    /// Mark phases begun within the trace, as `gotv stats` counts GC cycles (`cycles` also
    /// has one already going when the trace starts): the page's header shows it, which
    /// otherwise took a pass of its own before the first frame.
    #[serde(skip)]
    pub cycles_begun: u64,
    pub pauses: Vec<Pause>,
    /// Bytes in heap objects (Go's HeapAlloc metric).
    pub heap_alloc: Vec<Point>,
    pub heap_goal: Vec<Point>,
    pub gomaxprocs: Vec<Point>,
}

impl GcAnalysis {
    pub fn pause_ns(&self) -> i64 {
        self.pauses.iter().map(|p| p.duration_ns).sum()
    }

    pub fn mark_ns(&self) -> i64 {
        self.cycles.iter().map(|c| c.duration_ns).sum()
    }

    /// The headline numbers over a trace of `wall_ns`.
    pub fn summary(&self, wall_ns: i64) -> GcSummary {
        let share = |ns: i64| if wall_ns > 0 { ns as f64 / wall_ns as f64 } else { 0.0 };
        let n = self.cycles.len();
        let (mark_ns, stw_ns) = (self.mark_ns(), self.pause_ns());
        GcSummary {
            cycles: n as u64,
            per_second: share(n as i64) * 1e9,
            mean_interval_ns: match (self.cycles.first(), self.cycles.last()) {
                (Some(a), Some(b)) if n > 1 => (b.start_ns - a.start_ns) / (n as i64 - 1),
                _ => 0,
            },
            mark_ns,
            mark_share: share(mark_ns),
            pauses: self.pauses.len() as u64,
            stw_ns,
            stw_share: share(stw_ns),
            longest_pause_ns: self.pauses.iter().map(|p| p.duration_ns).max().unwrap_or(0),
            peak_heap_bytes: self.heap_alloc.iter().map(|p| p.value).max().unwrap_or(0),
            peak_goal_bytes: self.heap_goal.iter().map(|p| p.value).max().unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GcSummary {
    pub cycles: u64,
    pub per_second: f64,
    /// Between cycle starts, on average.
    pub mean_interval_ns: i64,
    /// In the concurrent mark phase (the cycles' durations summed) and its share of the trace.
    pub mark_ns: i64,
    pub mark_share: f64,
    pub pauses: u64,
    pub stw_ns: i64,
    pub stw_share: f64,
    pub longest_pause_ns: i64,
    pub peak_heap_bytes: u64,
    pub peak_goal_bytes: u64,
}

const STW: &[u8] = b"stop-the-world (";

/// GC cycles, pauses and the heap series. With `resolution_ns` > 0, a heap point closer than
/// that to the previous one is merged into it, keeping the highest value, as
/// [`crate::counters()`] does: a server's trace has millions of heap metrics, which a plot
/// needs thousands of; 0 keeps every change.
pub fn gc(trace: &Trace, resolution_ns: i64) -> GcAnalysis {
    let mut a = GcAnalysis::default();
    if trace.is_empty() {
        return a;
    }
    let (start, end) = trace.time_span();
    let mut mark: Option<i64> = None;
    let mut stw: IdMap<GoId, (i64, u32)> = IdMap::default();
    trace.each_event(|i, kind| {
        // Most events are neither: not even their time is read.
        if !matches!(kind, EventKind::Metric | EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd) {
            return;
        }
        let ev = trace.event(i);
        let t = ev.time();
        match kind {
            EventKind::Metric => {
                let Some((m, v)) = ev.metric() else { return };
                let s = match m {
                    Metric::HeapObjects => &mut a.heap_alloc,
                    Metric::HeapGoal => &mut a.heap_goal,
                    Metric::Gomaxprocs => &mut a.gomaxprocs,
                };
                match s.last_mut() {
                    Some(p) if p.value == v => {}
                    Some(p) if t.saturating_sub(p.time) < resolution_ns => p.value = p.value.max(v),
                    _ => s.push(Point { time: t, value: v }),
                }
            }
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => {
                let Some(r) = ev.range() else { return };
                let name = trace.strings.bytes(r.name);
                let begin = ev.kind() != EventKind::RangeEnd;
                // A range active at a generation boundary is reported again: not a new one.
                let since = if ev.kind() == EventKind::RangeActive { start } else { t };
                if name == b"GC concurrent mark phase" {
                    a.cycles_begun += u64::from(ev.kind() == EventKind::RangeBegin);
                    match (begin, mark) {
                        (true, None) => mark = Some(since),
                        (false, Some(s)) => {
                            a.cycles.push(cycle(s, t, true));
                            mark = None;
                        }
                        _ => {}
                    }
                } else if name.starts_with(STW) {
                    let g = match r.scope {
                        Resource::Goroutine(g) => g,
                        _ => ev.goroutine(),
                    };
                    if begin {
                        stw.entry(g).or_insert((since, r.name));
                    } else if let Some((s, id)) = stw.remove(&g) {
                        let name = trace.strings.get(id);
                        let reason = name.strip_prefix("stop-the-world (").and_then(|x| x.strip_suffix(')'));
                        a.pauses.push(Pause {
                            start_ns: s,
                            duration_ns: t - s,
                            reason: reason.unwrap_or(&name).to_owned(),
                            goroutine: g,
                        });
                    }
                }
            }
            _ => {}
        }
    });
    if let Some(s) = mark {
        a.cycles.push(cycle(s, end, false));
    }
    a.pauses.sort_by_key(|p| p.start_ns);
    for c in &mut a.cycles {
        phases(c, &a.pauses);
    }
    a
}

fn cycle(start_ns: i64, end_ns: i64, ended: bool) -> GcCycle {
    let all = Span { start_ns, duration_ns: end_ns - start_ns };
    GcCycle {
        start_ns,
        duration_ns: all.duration_ns,
        ended,
        sweep_termination: None,
        concurrent_mark: all,
        mark_termination: None,
    }
}

/// The cycle's termination pauses: those of that reason beginning within it (the runtime
/// begins the mark range just before stopping the world for sweep termination, and stops it
/// for mark termination just before ending the range, so both begin inside it).
fn phases(c: &mut GcCycle, pauses: &[Pause]) {
    let end = c.start_ns + c.duration_ns;
    let first = pauses.partition_point(|p| p.start_ns < c.start_ns);
    let within = pauses[first..].iter().take_while(|p| p.start_ns <= end);
    let span = |p: &Pause| Span { start_ns: p.start_ns, duration_ns: p.duration_ns };
    for p in within {
        match p.reason.as_str() {
            "GC sweep termination" if c.sweep_termination.is_none() => c.sweep_termination = Some(span(p)),
            "GC mark termination" => c.mark_termination = Some(span(p)),
            _ => {}
        }
    }
    let from = c.sweep_termination.map_or(c.start_ns, |s| s.end_ns().min(end));
    let to = c.mark_termination.map_or(end, |m| m.start_ns).max(from);
    c.concurrent_mark = Span { start_ns: from, duration_ns: to - from };
}
