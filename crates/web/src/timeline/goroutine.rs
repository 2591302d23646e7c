//! One goroutine through time, read from the trace's index of each goroutine's state changes:
//! its states (for its lane), the flows that woke it (for arrows) and its history (for the
//! details panel).

use crate::protocol::{Details, HistoryEvent};
use gotv_decode::{GoId, GoState, Trace, Transition, NO_GOROUTINE, NO_PROC};

/// The details panel lists this many events of a goroutine; very long-lived ones have more.
const HISTORY_LIMIT: usize = 2000;
/// Frames shown per event.
const STACK_LIMIT: usize = 32;

/// A stretch of time a goroutine spent in one state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StateSpan {
    pub start_ns: i64,
    pub end_ns: i64,
    pub state: GoState,
}

/// The states of goroutine `id` overlapping `[t0, t1]`, from the trace's index of its changes.
/// A goroutine already alive when the trace starts is in its first `from` state since then.
pub fn states(trace: &Trace, id: GoId, bounds: (i64, i64), t0: f64, t1: f64) -> Vec<StateSpan> {
    let mut out = Vec::new();
    for s in States::new(trace, id, bounds, t0) {
        if s.start_ns as f64 > t1 {
            break;
        }
        let last = s.end_ns as f64 > t1;
        out.push(s);
        if last {
            break;
        }
    }
    out
}

/// A goroutine's states in time order from the one it is in at some time, able to jump
/// ahead: a lane drawn a pixel column at a time reads a few of a column's changes, not all of
/// the millions a long-lived goroutine can have.
pub struct States<'a> {
    trace: &'a Trace,
    id: GoId,
    bounds: (i64, i64),
    changes: &'a [u32],
    /// The next change to read.
    next: usize,
    /// The state since when, until the next change.
    current: Option<(i64, GoState)>,
    done: bool,
}

impl<'a> States<'a> {
    /// From the state goroutine `id` is in at `t0` (its first state, if it is not yet seen).
    pub fn new(trace: &'a Trace, id: GoId, bounds: (i64, i64), t0: f64) -> States<'a> {
        let changes = trace.goroutine_transitions(id);
        let mut s = States { trace, id, bounds, changes, next: 0, current: None, done: false };
        s.skip_to(t0);
        s
    }

    /// Goes on from the state the goroutine is in at `t`, if that is ahead of where it is: the
    /// spans that end before `t` are not read.
    pub fn skip_to(&mut self, t: f64) {
        let ahead = &self.changes[self.next..];
        let before = ahead.partition_point(|&e| (self.trace.time(e as usize) as f64) < t);
        // The last change before t sets the state at t.
        let Some(last) = before.checked_sub(1).map(|k| self.next + k) else { return };
        let e = self.changes[last] as usize;
        self.next = last + 1;
        if let Some((from, to)) = about(self.trace, e, self.id) {
            let since = if from == GoState::Undetermined { self.bounds.0 } else { self.trace.time(e) };
            self.current = Some((since, to));
        }
    }
}

impl Iterator for States<'_> {
    type Item = StateSpan;

    fn next(&mut self) -> Option<StateSpan> {
        while !self.done {
            let Some(&e) = self.changes.get(self.next) else {
                self.done = true;
                let (since, state) = self.current.filter(|c| c.1 != GoState::NotExist)?;
                return Some(StateSpan { start_ns: since, end_ns: self.bounds.1, state });
            };
            self.next += 1;
            let Some((from, to)) = about(self.trace, e as usize, self.id) else { continue };
            let t = self.trace.time(e as usize);
            let span = match self.current {
                Some((since, state)) => Some(StateSpan { start_ns: since, end_ns: t, state }),
                None if from != GoState::Undetermined && from != GoState::NotExist => {
                    Some(StateSpan { start_ns: self.bounds.0, end_ns: t, state: from })
                }
                None => None,
            };
            // A goroutine first seen in some state has been in it since the trace began.
            self.current = Some((if from == GoState::Undetermined { self.bounds.0 } else { t }, to));
            if span.is_some() {
                return span;
            }
        }
        None
    }
}

fn about(trace: &Trace, e: usize, id: GoId) -> Option<(GoState, GoState)> {
    match trace.event(e).transition()? {
        Transition::Goroutine { id: g, from, to } if g == id => Some((from, to)),
        _ => None,
    }
}

/// A goroutine was made runnable at one place and time and started at another.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flow {
    pub from_ns: i64,
    pub from_proc: i64,
    pub from_thread: i64,
    pub to_ns: i64,
    pub to_proc: i64,
    pub to_thread: i64,
}

/// Whether a state change wakes a goroutine: where a flow arrow starts.
fn wakes(from: GoState, to: GoState) -> bool {
    matches!((from, to), (GoState::NotExist | GoState::Waiting, GoState::Runnable))
}

/// From each creation or unblock of goroutine `id` to the start that followed it, of those
/// that overlap `[t0, t1]`; with a `gap` (ns), only the first whose wake is in each `gap` of
/// time counted from 0, so that the ones kept stay as the view pans (0: all of them). Only its
/// changes about then are read, and a gap's others are jumped over: every frame draws the
/// selected goroutine's arrows, and a goroutine can wake millions of times.
pub fn flows(trace: &Trace, id: GoId, (t0, t1): (f64, f64), gap: f64) -> Vec<Flow> {
    let changes = trace.goroutine_transitions(id);
    let time = |e: u32| trace.time(e as usize) as f64;
    let first = changes.partition_point(|&e| time(e) < t0);
    // An arrow begun before the view is still open only if the last change before it woke the
    // goroutine: any other ends it or drops it.
    let mut k = match first.checked_sub(1) {
        Some(j) if about(trace, changes[j] as usize, id).is_some_and(|(from, to)| wakes(from, to)) => j,
        _ => first,
    };
    let mut out = Vec::new();
    let mut pending: Option<(i64, i64, i64)> = None;
    while let Some(&e) = changes.get(k) {
        k += 1;
        let ev = trace.event(e as usize);
        let Some((from, to)) = about(trace, e as usize, id) else { continue };
        if pending.is_none() && ev.time() as f64 > t1 {
            break;
        }
        match (from, to) {
            (from, to) if wakes(from, to) => pending = Some((ev.time(), ev.proc(), ev.thread())),
            (_, GoState::Running) => {
                if let Some((t, proc, thread)) = pending.take().filter(|p| p.0 as f64 <= t1 && ev.time() as f64 >= t0) {
                    out.push(Flow {
                        from_ns: t,
                        from_proc: proc,
                        from_thread: thread,
                        to_ns: ev.time(),
                        to_proc: ev.proc(),
                        to_thread: ev.thread(),
                    });
                    if gap > 0.0 {
                        let next = ((t as f64 / gap).floor() + 1.0) * gap;
                        k += changes[k..].partition_point(|&e| time(e) < next);
                    }
                }
            }
            _ => pending = None,
        }
    }
    out
}

/// go tool trace's name for a goroutine's state change.
fn name_of(from: GoState, to: GoState) -> &'static str {
    match (from, to) {
        (GoState::NotExist, GoState::Runnable) => "GoCreate",
        (GoState::Undetermined, _) => "GoStatus",
        (_, GoState::NotExist) => "GoEnd",
        (GoState::Syscall, _) => "GoSysExit",
        (_, GoState::Syscall) => "GoSysCall",
        (_, GoState::Running) => "GoStart",
        (GoState::Running, GoState::Runnable) => "GoStop",
        (_, GoState::Waiting) => "GoBlock",
        (GoState::Waiting, GoState::Runnable) => "GoUnblock",
        _ => "GoState",
    }
}

/// What goroutine `id` went through, from creation to end.
pub fn details(trace: &Trace, id: GoId, name: &str) -> Details {
    let mut events = Vec::new();
    let mut created_by = None;
    let mut total = 0u64;
    for &e in trace.goroutine_transitions(id) {
        let Some((from, to)) = about(trace, e as usize, id) else { continue };
        total += 1;
        let ev = trace.event(e as usize);
        let what = name_of(from, to);
        let actor = ev.goroutine();
        let other = (actor != NO_GOROUTINE && actor != id).then_some(actor);
        if what == "GoCreate" {
            created_by = other;
        }
        if events.len() >= HISTORY_LIMIT {
            continue;
        }
        let stack = trace
            .stacks
            .frames(ev.stack())
            .take(STACK_LIMIT)
            .map(|f| (trace.strings.get(f.func).into_owned(), format!("{}:{}", trace.strings.get(f.file), f.line)))
            .collect();
        events.push(HistoryEvent {
            time_ns: ev.time(),
            what: what.to_string(),
            reason: trace.strings.get(ev.reason()).into_owned(),
            other,
            proc: (ev.proc() != NO_PROC).then_some(ev.proc()),
            stack,
        });
    }
    Details { id, name: name.to_string(), created_by, more: total - events.len() as u64, events }
}
