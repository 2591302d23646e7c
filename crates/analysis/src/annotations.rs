//! User annotations (`runtime/trace` tasks, regions, logs) summarised per type, with the
//! duration statistics and log-scale histogram of Go's task and region pages (§7).

use std::collections::BTreeMap;

use gotv_decode::{
    EventKind, Frame, GoId, GoState, StackId, TaskId, Trace, Transition, NO_GOROUTINE, NO_STACK, NO_TASK,
};
use serde::Serialize;

use crate::goroutines::GoroutineAnalysis;
use crate::id_map::IdMap;
use crate::profiles::ProfileFrame;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DurationStats {
    pub count: u64,
    /// Those with both a begin and an end. The statistics below are over complete tasks,
    /// but over all regions (unfinished ones measured to the trace's ends), as in Go.
    pub complete: u64,
    pub total_ns: i64,
    pub min_ns: i64,
    pub max_ns: i64,
    pub mean_ns: i64,
    pub p50_ns: i64,
    pub p90_ns: i64,
    pub p99_ns: i64,
    /// Go's histogram: (bucket lower bound ns, count), 5 buckets per decade, lowest to
    /// highest non-empty bucket.
    pub histogram: Vec<(i64, u64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeStats {
    pub name: String,
    /// Regions only: the outermost frame of the RegionBegin stack (Go 1.24+'s grouping);
    /// absent for regions begun before the trace and synthetic ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<ProfileFrame>,
    #[serde(flatten)]
    pub durations: DurationStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogCategory {
    pub category: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Annotations {
    pub tasks: Vec<TypeStats>,
    /// Regions of every goroutine (including the synthetic nameless region of goroutines
    /// created inside one), by type; unfinished ones measured to the trace end, as Go does.
    pub regions: Vec<TypeStats>,
    pub logs: Vec<LogCategory>,
    /// Every task, as [`task_instances`] finds them.
    pub instances: Vec<TaskInstance>,
}

/// Go's bucket of a duration: ⌊ln d / ln 10^0.2⌋, 0 for d ≤ 0.
fn bucket(d: i64) -> i64 {
    if d <= 0 {
        0
    } else {
        ((d as f64).ln() / 10f64.powf(0.2).ln()).floor() as i64
    }
}

fn stats(count: u64, mut complete: Vec<i64>) -> DurationStats {
    complete.sort_unstable();
    let n = complete.len();
    if n == 0 {
        return DurationStats { count, ..DurationStats::default() };
    }
    let q = |p: usize| complete[(n - 1) * p / 100];
    // Saturating: a corrupt trace's durations can be anything.
    let total = complete.iter().fold(0i64, |s, &d| s.saturating_add(d));
    let mut hist: BTreeMap<i64, u64> = BTreeMap::new();
    for &d in &complete {
        *hist.entry(bucket(d)).or_default() += 1;
    }
    let (lo, hi) = (*hist.keys().next().unwrap_or(&0), *hist.keys().last().unwrap_or(&0));
    let histogram = (lo..=hi)
        .map(|b| ((b as f64 * 10f64.powf(0.2).ln()).exp() as i64, hist.get(&b).copied().unwrap_or(0)))
        .collect();
    DurationStats {
        count,
        complete: n as u64,
        total_ns: total,
        min_ns: complete[0],
        max_ns: complete[n - 1],
        mean_ns: total / n as i64,
        p50_ns: q(50),
        p90_ns: q(90),
        p99_ns: q(99),
        histogram,
    }
}

/// One row of the regions page: its frame, complete regions, durations of all.
type RegionGroup = (Option<Frame>, u64, Vec<i64>);

/// One task, as Go's `/usertask` page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskInstance {
    pub id: TaskId,
    /// Its type; "" when the trace holds neither its begin nor its end (a task begun before
    /// the trace and only logged into, or whose region ran, within it).
    pub name: String,
    /// The task it was begun in, if any.
    pub parent: Option<TaskId>,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    /// Those that began, ended, logged into or ran a region of it (Go's rule), in the order of
    /// their first such event: the one that began it first, when the trace holds its begin.
    pub goroutines: Vec<GoId>,
}

/// Every task the trace mentions, by begin time (tasks begun before the trace first, by ID).
/// Regions and logs outside any task (task 0) make no task: Go's pseudo-task for them is not
/// one the program created.
pub fn task_instances(trace: &Trace) -> Vec<TaskInstance> {
    let mut tasks: IdMap<TaskId, TaskInstance> = IdMap::default();
    let new =
        |id| TaskInstance { id, name: String::new(), parent: None, start_ns: None, end_ns: None, goroutines: vec![] };
    for (i, &kind) in trace.kinds().iter().enumerate() {
        // Most events are none of these: not even looked at.
        if !matches!(
            kind,
            EventKind::TaskBegin | EventKind::TaskEnd | EventKind::RegionBegin | EventKind::RegionEnd | EventKind::Log
        ) {
            continue;
        }
        let ev = trace.event(i);
        let (id, task) = match kind {
            EventKind::TaskBegin | EventKind::TaskEnd => match ev.task() {
                Some(t) => (t.id, Some(t)),
                None => continue,
            },
            EventKind::RegionBegin | EventKind::RegionEnd => match ev.region() {
                Some(r) => (r.task, None),
                None => continue,
            },
            EventKind::Log => match ev.log() {
                Some(l) => (l.task, None),
                None => continue,
            },
            _ => continue,
        };
        if id == NO_TASK || (id == 0 && task.is_none()) {
            continue;
        }
        let e = tasks.entry(id).or_insert_with(|| new(id));
        if let Some(t) = task {
            if t.type_ != 0 {
                e.name = trace.strings.get(t.type_).into_owned();
            }
            // Parent 0 is the background task: no parent (an old-format TaskEnd reports it).
            let parent = (t.parent != NO_TASK && t.parent != 0).then_some(t.parent);
            if ev.kind() == EventKind::TaskBegin {
                e.start_ns = Some(ev.time());
                e.parent = parent;
            } else {
                e.end_ns = Some(ev.time());
                e.parent = e.parent.or(parent);
            }
        }
        let g = ev.goroutine();
        if g != NO_GOROUTINE && !e.goroutines.contains(&g) {
            e.goroutines.push(g);
        }
    }
    let mut out: Vec<TaskInstance> = tasks.into_values().collect();
    out.sort_by_key(|t| (t.start_ns, t.id));
    out
}

/// One region of one goroutine, with the frame Go's regions page groups it by.
#[derive(Debug, Clone, Copy)]
pub struct RegionInstance<'a> {
    pub goroutine: GoId,
    /// Empty for the synthetic region of a goroutine created inside a region.
    pub name: &'a str,
    /// The outermost frame of the stack where it began. Go's synthetic region begins at the
    /// goroutine's creation, so its frame is the creator's at the `go` statement.
    pub frame: Option<Frame>,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
}

/// Every goroutine's regions, placed as Go's regions page places them.
pub fn region_instances<'a>(trace: &Trace, gs: &'a GoroutineAnalysis) -> Vec<RegionInstance<'a>> {
    let synthetic =
        |r: &crate::goroutines::Region| r.name.is_empty() && r.begin_stack == NO_STACK && r.start_ns.is_some();
    let mut creation: IdMap<GoId, StackId> = IdMap::default();
    if gs.regions().any(|(_, r)| synthetic(&r)) {
        for ev in trace.events() {
            if let Some(Transition::Goroutine { id, from: GoState::NotExist, .. }) = ev.transition() {
                creation.entry(id).or_insert(ev.stack());
            }
        }
    }
    gs.regions()
        .map(|(g, r)| {
            let stack = if synthetic(&r) { creation.get(&g).copied().unwrap_or(NO_STACK) } else { r.begin_stack };
            RegionInstance {
                goroutine: g,
                name: r.name,
                frame: trace.stacks.frames(stack).last().copied(),
                start_ns: r.start_ns,
                end_ns: r.end_ns,
            }
        })
        .collect()
}

pub fn annotations(trace: &Trace, gs: &GoroutineAnalysis) -> Annotations {
    let mut logs: BTreeMap<u32, u64> = BTreeMap::new();
    for (i, &k) in trace.kinds().iter().enumerate() {
        if k == EventKind::Log {
            if let Some(l) = trace.event(i).log() {
                *logs.entry(l.category).or_default() += 1;
            }
        }
    }
    let mut by_type: BTreeMap<String, (u64, Vec<i64>)> = BTreeMap::new();
    let instances = task_instances(trace);
    for t in &instances {
        let e = by_type.entry(t.name.clone()).or_default();
        e.0 += 1;
        if let (Some(b), Some(x)) = (t.start_ns, t.end_ns) {
            e.1.push(x - b);
        }
    }
    let tasks =
        by_type.into_iter().map(|(name, (n, d))| TypeStats { name, frame: None, durations: stats(n, d) }).collect();

    // Keyed by (type, outermost frame's PC), as Go's regions page.
    let mut by_type: BTreeMap<(&str, u64), RegionGroup> = BTreeMap::new();
    for r in region_instances(trace, gs) {
        let e = by_type.entry((r.name, r.frame.map_or(0, |f| f.pc))).or_default();
        e.0 = r.frame;
        let e = (&mut e.1, &mut e.2);
        *e.0 += u64::from(r.start_ns.is_some() && r.end_ns.is_some());
        e.1.push(r.end_ns.unwrap_or(gs.trace_end_ns) - r.start_ns.unwrap_or(gs.trace_start_ns));
    }
    let regions = by_type
        .into_iter()
        .map(|((name, _), (frame, complete, d))| {
            let durations = DurationStats { complete, ..stats(d.len() as u64, d) };
            let frame = frame.map(|f| ProfileFrame {
                func: trace.strings.get(f.func).into_owned(),
                file: trace.strings.get(f.file).into_owned(),
                line: f.line,
                pc: f.pc,
            });
            TypeStats { name: name.to_owned(), frame, durations }
        })
        .collect();

    let logs =
        logs.into_iter().map(|(c, count)| LogCategory { category: trace.strings.get(c).into_owned(), count }).collect();
    Annotations { tasks, regions, logs, instances }
}
