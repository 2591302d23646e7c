//! The analysis views' data, computed from the session's trace when a view first asks and
//! kept: a profile over a big trace takes a pass over every event. Times are sent from the
//! trace's start, saturating: a corrupt trace's times can be anything.

use crate::protocol::{
    AnnotationsView, Answer, Breakdown, GcView, GoroutineRow, GroupRow, PauseView, ProfileView, Query, SampleView,
    SourceLine, TypeView,
};
use gotv_analysis::{ExecStats, GcAnalysis, GoroutineAnalysis, MmuFlags, ProfileFrame, ProfileKind, TypeStats};
use gotv_decode::{GoState, Trace, Transition};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;

/// The window whose worst instances the GC view lists, as `gotv mmu` defaults to.
const MMU_WINDOW_NS: i64 = 10_000_000;
/// Goroutines sent per group: a table of more is not read, and a group can hold millions.
const MEMBERS_SENT: usize = 500;
/// Columns a step series sent to a chart is thinned to: more than a chart is pixels wide.
const CHART_COLUMNS: i64 = 4096;
/// Slowest instances listed per task or region type.
const SLOWEST: usize = 5;

#[derive(Default)]
pub struct Answers {
    kept: Vec<(Query, Answer)>,
    /// Blocking profiles by (kind, group): the flame graph, the pprof download and the
    /// findings all read the same pass over the trace.
    profiles: Vec<((ProfileKind, Option<String>), gotv_analysis::Profile)>,
}

impl Answers {
    pub fn get(&mut self, trace: &Trace, gs: &GoroutineAnalysis, g: &GcAnalysis, q: Query) -> Result<Answer, String> {
        if let Some((_, a)) = self.kept.iter().find(|(k, _)| *k == q) {
            return Ok(a.clone());
        }
        let a = self.answer(trace, gs, g, &q)?;
        self.kept.push((q, a.clone()));
        Ok(a)
    }

    fn answer(&mut self, trace: &Trace, gs: &GoroutineAnalysis, g: &GcAnalysis, q: &Query) -> Result<Answer, String> {
        Ok(match q {
            Query::Groups => Answer::Groups(
                gs.groups()
                    .map(|g| GroupRow { name: g.name.to_string(), count: g.count as u64, stats: breakdown(&g.stats) })
                    .collect(),
            ),
            Query::Group { name } => group(gs, name),
            Query::CreatedAt { file, line } => group(gs, &created_at(trace, gs, file, *line)?),
            Query::Profile { kind, group } => {
                let profile =
                    if kind == "cpu" { cpu(trace) } else { blocking(self.profile(trace, gs, kind_of(kind)?, group)) };
                Answer::Profile { kind: kind.clone(), group: group.clone(), profile }
            }
            Query::Pprof { kind, group } => {
                let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                let profile = self.profile(trace, gs, kind_of(kind)?, group);
                z.write_all(&gotv_analysis::encode_pprof(profile)).map_err(|e| e.to_string())?;
                Answer::Pprof { kind: kind.clone(), gzipped: z.finish().map_err(|e| e.to_string())? }
            }
            Query::Gc { flags } => Answer::Gc(gc(trace, gs, g, flags)?),
            Query::Annotations => Answer::Annotations(annotations(trace, gs)),
        })
    }

    /// Every blocking profile of the whole trace, in one pass over it (on the 200 MB trace,
    /// natively, 470 ms against 950 for the four apart): the worker makes them while the page
    /// shows the first frame, so that each profile's view answers at once.
    pub fn all_profiles(&mut self, trace: &Trace, gs: &GoroutineAnalysis) {
        let missing: Vec<ProfileKind> =
            ProfileKind::ALL.into_iter().filter(|&k| !self.profiles.iter().any(|(key, _)| *key == (k, None))).collect();
        for (kind, p) in missing.iter().zip(gotv_analysis::profiles(trace, gs, &missing)) {
            self.profiles.push(((*kind, None), p));
        }
    }

    /// A blocking profile; with a group, of that group's goroutines only (the profile counts
    /// the goroutines the analysis lists). Computed once per kind and group.
    pub fn profile(
        &mut self,
        trace: &Trace,
        gs: &GoroutineAnalysis,
        kind: ProfileKind,
        group: &Option<String>,
    ) -> &gotv_analysis::Profile {
        let key = (kind, group.clone());
        let i = match self.profiles.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let p = match group {
                    None => gotv_analysis::profile(trace, gs, kind),
                    Some(name) => gotv_analysis::group_profile(trace, gs, kind, name),
                };
                self.profiles.push((key, p));
                self.profiles.len() - 1
            }
        };
        &self.profiles[i].1
    }
}

fn kind_of(name: &str) -> Result<ProfileKind, String> {
    ProfileKind::from_name(name).ok_or_else(|| format!("no {name} profile"))
}

/// A group's longest-lived goroutines, as `gotv goroutines --group NAME` orders them. Only
/// those sent are kept on the way: a group can hold millions, and rows for all of them took
/// hundreds of MB of the worker's memory, which WebAssembly never gives back.
fn group(gs: &GoroutineAnalysis, name: &str) -> Answer {
    // The worst kept on top: the least total time, then the highest ID.
    let mut kept: BinaryHeap<Reverse<(i64, Reverse<i64>)>> = BinaryHeap::with_capacity(MEMBERS_SENT + 1);
    let mut count = 0;
    for (id, total_ns) in gs.members(name) {
        count += 1;
        let g = (total_ns, Reverse(id));
        // Most of a big group's goroutines are not kept: tell so without touching the heap.
        if kept.len() == MEMBERS_SENT && kept.peek().is_some_and(|Reverse(worst)| g <= *worst) {
            continue;
        }
        kept.push(Reverse(g));
        if kept.len() > MEMBERS_SENT {
            kept.pop();
        }
    }
    let origin = gs.trace_start_ns;
    // Longest-lived first.
    let goroutines = kept
        .into_sorted_vec()
        .into_iter()
        .filter_map(|Reverse((_, Reverse(id)))| gs.goroutine(id))
        .map(|g| GoroutineRow {
            id: g.id,
            created_ns: g.created_ns.saturating_sub(origin),
            start_ns: (g.start_ns != 0).then(|| g.start_ns.saturating_sub(origin)),
            end_ns: (g.end_ns != 0).then(|| g.end_ns.saturating_sub(origin)),
            stats: breakdown(&g.stats),
        })
        .collect();
    Answer::Group { name: name.to_string(), count, goroutines }
}

/// The group most goroutines created by the `go` statement at `file:line` belong to: where
/// the goroutine-explosion finding points.
fn created_at(trace: &Trace, gs: &GoroutineAnalysis, file: &str, line: u64) -> Result<String, String> {
    let mut by_group: HashMap<&str, u64> = HashMap::new();
    for ev in trace.events() {
        let Some(Transition::Goroutine { id, from: GoState::NotExist, .. }) = ev.transition() else { continue };
        let Some(leaf) = trace.stacks.frames(ev.stack()).next() else { continue };
        if leaf.line == line && trace.strings.get(leaf.file) == file {
            if let Some(g) = gs.goroutine(id) {
                *by_group.entry(g.name).or_default() += 1;
            }
        }
    }
    let most = by_group.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)));
    most.map(|(name, _)| name.to_string()).ok_or_else(|| format!("no goroutine was created at {file}:{line}"))
}

fn breakdown(s: &ExecStats) -> Breakdown {
    let named = |t: &gotv_analysis::Times| t.iter().map(|(k, v)| (k.to_string(), v)).collect();
    Breakdown {
        exec_ns: s.exec_ns,
        sched_wait_ns: s.sched_wait_ns,
        block_ns: named(&s.block_ns),
        syscall_ns: s.syscall_ns,
        syscall_block_ns: s.syscall_block_ns,
        range_ns: named(&s.range_ns),
        unknown_ns: s.unknown_ns,
        total_ns: s.total_ns,
    }
}

/// Interns frames: the same functions recur in most stacks.
#[derive(Default)]
struct Interner {
    frames: Vec<SourceLine>,
    index: HashMap<(String, String, u64), u32>,
}

impl Interner {
    fn stack(&mut self, stack: &[ProfileFrame]) -> Vec<u32> {
        stack
            .iter()
            .map(|f| {
                let key = (f.func.clone(), f.file.clone(), f.line);
                *self.index.entry(key).or_insert_with(|| {
                    self.frames.push(SourceLine { func: f.func.clone(), file: f.file.clone(), line: f.line });
                    self.frames.len() as u32 - 1
                })
            })
            .collect()
    }
}

fn blocking(p: &gotv_analysis::Profile) -> ProfileView {
    let mut i = Interner::default();
    let samples =
        p.samples.iter().map(|s| SampleView { stack: i.stack(&s.stack), count: s.count, value: s.delay_ns }).collect();
    ProfileView { frames: i.frames, samples, unit: "delay".into() }
}

fn cpu(trace: &Trace) -> ProfileView {
    let mut i = Interner::default();
    let samples = gotv_analysis::cpu_samples(trace)
        .iter()
        .map(|s| SampleView { stack: i.stack(&s.stack), count: s.samples, value: s.samples as i64 })
        .collect();
    ProfileView { frames: i.frames, samples, unit: "samples".into() }
}

/// The MMU flags by name, in the order the page lists them (`gotv mmu --flags`).
fn flags_by_name(f: &mut MmuFlags) -> [(&'static str, &mut bool); 4] {
    [("stw", &mut f.stw), ("background", &mut f.background), ("assist", &mut f.assist), ("sweep", &mut f.sweep)]
}

/// The GC view's question as the page first asks it: with Go's default flags.
pub fn first_gc_query() -> Query {
    let mut defaults = MmuFlags::default();
    let flags = flags_by_name(&mut defaults).into_iter().filter(|(_, on)| **on).map(|(name, _)| name.into()).collect();
    Query::Gc { flags }
}

fn gc(trace: &Trace, gs: &GoroutineAnalysis, g: &GcAnalysis, names: &[String]) -> Result<GcView, String> {
    let origin = gs.trace_start_ns;
    let end = gs.trace_end_ns.saturating_sub(origin);
    let points = |s: &[gotv_analysis::Point]| {
        envelope(s.iter().map(|p| (p.time.saturating_sub(origin), p.value)).collect(), end, CHART_COLUMNS)
    };
    let mut flags = MmuFlags { stw: false, background: false, assist: false, sweep: false, per_proc: false };
    for name in names {
        let mut by_name = flags_by_name(&mut flags);
        let on = by_name.iter_mut().find(|(n, _)| n == name).ok_or_else(|| format!("unknown MMU flag {name:?}"))?;
        *on.1 = true;
    }
    let m = gotv_analysis::mmu_curve(trace, flags);
    let worst = gotv_analysis::worst_windows(&m.series, MMU_WINDOW_NS, 10);
    Ok(GcView {
        flags: names.to_vec(),
        cycles: g.cycles.iter().map(|c| (c.start_ns.saturating_sub(origin), c.duration_ns)).collect(),
        pauses: g
            .pauses
            .iter()
            .map(|p| PauseView {
                start_ns: p.start_ns.saturating_sub(origin),
                duration_ns: p.duration_ns,
                reason: p.reason.clone(),
                goroutine: p.goroutine,
            })
            .collect(),
        heap_alloc: points(&g.heap_alloc),
        heap_goal: points(&g.heap_goal),
        duration_ns: end,
        summary: g.summary(end),
        mmu: m.curve,
        mmu_window_ns: MMU_WINDOW_NS,
        worst: worst.iter().map(|w| (w.start_ns.saturating_sub(origin), w.util)).collect(),
    })
}

/// A step series (each value holds until the next point) as a chart `columns` wide over
/// `0..end` draws it: in each column where it has more than four points, only its first, lowest,
/// highest and last, in time order. The lines drawn between them cover what all of them would.
fn envelope(points: Vec<(i64, u64)>, end: i64, columns: i64) -> Vec<(i64, u64)> {
    if points.len() as i64 <= 4 * columns {
        return points;
    }
    let column = |t: i64| (i128::from(t) * i128::from(columns) / i128::from(end.max(1))) as i64;
    let mut out = Vec::new();
    for run in points.chunk_by(|a, b| column(a.0) == column(b.0)) {
        if run.len() <= 4 {
            out.extend_from_slice(run);
            continue;
        }
        let lowest = run.iter().enumerate().min_by_key(|(_, p)| p.1).map_or(0, |(i, _)| i);
        let highest = run.iter().enumerate().max_by_key(|(_, p)| p.1).map_or(0, |(i, _)| i);
        let mut kept = [0, lowest, highest, run.len() - 1];
        kept.sort_unstable();
        let mut last = None;
        for i in kept {
            if last != Some(i) {
                out.push(run[i]);
                last = Some(i);
            }
        }
    }
    out
}

/// A task or region: type, outermost frame's PC, goroutine, start, duration.
type Instance<'a> = (&'a str, u64, i64, i64, i64);

fn annotations(trace: &Trace, gs: &GoroutineAnalysis) -> AnnotationsView {
    let origin = gs.trace_start_ns;
    let a = gotv_analysis::annotations(trace, gs);
    // Instances: (type, outermost frame's PC as the type is keyed, goroutine, start, duration);
    // a task's first goroutine is the one that began it.
    let task_instances: Vec<Instance> = a
        .instances
        .iter()
        .filter_map(|t| {
            let (b, e) = (t.start_ns?, t.end_ns?);
            Some((t.name.as_str(), 0, *t.goroutines.first()?, b.saturating_sub(origin), e.saturating_sub(b)))
        })
        .collect();
    let region_instances: Vec<Instance> = gotv_analysis::region_instances(trace, gs)
        .iter()
        .filter_map(|r| {
            let (b, e) = (r.start_ns?, r.end_ns?);
            Some((r.name, r.frame.map_or(0, |f| f.pc), r.goroutine, b.saturating_sub(origin), e.saturating_sub(b)))
        })
        .collect();
    let types = |stats: &[TypeStats], instances: &[Instance]| {
        stats
            .iter()
            .map(|t| {
                let pc = t.frame.as_ref().map_or(0, |f| f.pc);
                let mut slowest: Vec<(i64, i64, i64)> =
                    instances.iter().filter(|i| i.0 == t.name && i.1 == pc).map(|i| (i.2, i.3, i.4)).collect();
                slowest.sort_by(|x, y| y.2.cmp(&x.2).then(x.1.cmp(&y.1)));
                slowest.truncate(SLOWEST);
                let d = &t.durations;
                TypeView {
                    name: t.name.clone(),
                    count: d.count,
                    complete: d.complete,
                    total_ns: d.total_ns,
                    mean_ns: d.mean_ns,
                    p50_ns: d.p50_ns,
                    p90_ns: d.p90_ns,
                    p99_ns: d.p99_ns,
                    max_ns: d.max_ns,
                    histogram: d.histogram.clone(),
                    place: t.frame.as_ref().map(|f| SourceLine {
                        func: f.func.clone(),
                        file: f.file.clone(),
                        line: f.line,
                    }),
                    slowest,
                }
            })
            .collect()
    };
    AnnotationsView {
        tasks: types(&a.tasks, &task_instances),
        regions: types(&a.regions, &region_instances),
        logs: a.logs.iter().map(|l| (l.category.clone(), l.count)).collect(),
    }
}

// It reads inputs from disk, which the wasm test runner cannot.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// A long step series keeps, in each column of the chart, its first, lowest, highest and
    /// last point, in order; a short one is sent whole.
    #[test]
    fn a_long_step_series_keeps_each_columns_extremes_in_order() {
        let short = [(0, 5), (10, 7), (20, 1)];
        assert_eq!(envelope(short.to_vec(), 100, 1), short.to_vec());
        // A saw in each of 10 columns of 100 ns: 10 points a column, rising then dropping.
        let saw: Vec<(i64, u64)> = (0..100).map(|i| (i * 10, if i % 10 == 9 { 0 } else { 100 + i as u64 })).collect();
        let thin = envelope(saw.clone(), 1000, 10);
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0), "in time order");
        for c in 0..10 {
            let whole: Vec<_> = saw.iter().filter(|p| p.0 / 100 == c).collect();
            let kept: Vec<_> = thin.iter().filter(|p| p.0 / 100 == c).collect();
            assert!(kept.len() <= 4, "column {c}: {kept:?}");
            assert_eq!(kept.first(), whole.first(), "column {c}: first");
            assert_eq!(kept.last(), whole.last(), "column {c}: last");
            assert_eq!(kept.iter().map(|p| p.1).max(), whole.iter().map(|p| p.1).max(), "column {c}: highest");
            assert_eq!(kept.iter().map(|p| p.1).min(), whole.iter().map(|p| p.1).min(), "column {c}: lowest");
        }
    }

    /// The GC view's question answered ahead is the one the page asks first: the flags its
    /// page ticks from the start, in their order.
    #[test]
    fn the_gc_question_answered_ahead_is_the_pages_first() {
        let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/index.html")).expect("page");
        let at = html.find(r#"id="mmu-flags""#).expect("the MMU flags");
        let toolbar = &html[at..at + html[at..].find("</div>").expect("their end")];
        let ticked: Vec<String> = toolbar
            .split("<input ")
            .skip(1)
            .filter(|input| input.split('>').next().is_some_and(|tag| tag.contains(" checked")))
            .filter_map(|input| input.split(r#"value=""#).nth(1)?.split('"').next().map(String::from))
            .collect();
        assert!(ticked.len() >= 2, "found {ticked:?}");
        assert_eq!(first_gc_query(), Query::Gc { flags: ticked });
    }

    /// Every view's question about whatever decodes from an odd or broken file gets an
    /// answer or an error message, never a panic (the page would show one).
    #[test]
    fn every_view_answers_on_odd_and_broken_traces() {
        for path in gotv_fixtures::odd_inputs() {
            let bytes = std::fs::read(&path).expect("input");
            let answered = std::panic::catch_unwind(|| {
                let trace = gotv_decode::decode(&bytes).trace;
                let gs = gotv_analysis::goroutines(&trace);
                let (g, mut answers) = (gotv_analysis::gc(&trace, 0), Answers::default());
                answers.all_profiles(&trace, &gs);
                let group = gs.groups().next().map(|g| g.name.to_string());
                let mut queries = vec![
                    Query::Groups,
                    Query::CreatedAt { file: "main.go".into(), line: 1 },
                    Query::Gc { flags: ["stw", "background", "assist", "sweep"].map(String::from).to_vec() },
                    Query::Annotations,
                ];
                for kind in ["net", "sync", "syscall", "sched", "cpu"] {
                    queries.push(Query::Profile { kind: kind.into(), group: None });
                    queries.push(Query::Profile { kind: kind.into(), group: group.clone() });
                }
                queries.push(Query::Pprof { kind: "sync".into(), group: group.clone() });
                if let Some(name) = group {
                    queries.push(Query::Group { name });
                }
                for q in queries {
                    let _ = answers.get(&trace, &gs, &g, q);
                }
            });
            assert!(answered.is_ok(), "{}: a view's query panicked", path.display());
        }
    }
}
