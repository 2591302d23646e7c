//! Diagnoses: patterns a person would otherwise have to spot on the timeline, each with the
//! numbers behind it and the source line to look at.

use std::collections::HashMap;

use gotv_decode::Trace;
use serde::Serialize;

use crate::gc::GcAnalysis;
use crate::goroutines::GoroutineAnalysis;
use crate::numbers::grouped;
use crate::profiles::{Profile, ProfileSample};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// As in the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    pub func: String,
    pub file: String,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable across versions, for scripts and tests.
    pub id: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Named measurements behind the finding (a JSON object, in this order).
    #[serde(serialize_with = "as_object")]
    pub numbers: Vec<(&'static str, f64)>,
    pub location: Option<Location>,
}

fn as_object<S: serde::Serializer>(v: &[(&'static str, f64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, x) in v {
        m.serialize_entry(k, x)?;
    }
    m.end()
}

/// Everything the findings are decided from, also worth showing on its own.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vitals {
    pub wall_ns: i64,
    pub gomaxprocs: u64,
    /// Share of P time spent running (0–1).
    pub proc_busy: f64,
    pub gc_cycles: u64,
    pub gc_mark_ns: i64,
    pub stw_ns: i64,
    pub assist_ns: i64,
    pub exec_ns: i64,
    pub sched_wait_ns: i64,
    /// Runnable → running waits: how many, the longest, and the 99th percentile (rounded
    /// up to a power of two).
    pub runnable_waits: u64,
    pub runnable_max_ns: i64,
    pub runnable_p99_ns: i64,
}

/// Goroutines started by one `go` statement.
struct Site {
    frame: Option<Location>,
    created: u64,
    peak: u64,
    ended: u64,
    lifetime_ns: i64,
}

fn leaf(trace: &Trace, stack: u32) -> Option<Location> {
    trace.stacks.frames(stack).next().map(|f| Location {
        func: trace.strings.get(f.func).into_owned(),
        file: trace.strings.get(f.file).into_owned(),
        line: f.line,
    })
}

/// The vitals, from what the goroutine analysis gathered in its pass and the GC analysis.
pub fn vitals(trace: &Trace, gs: &GoroutineAnalysis, g: &GcAnalysis) -> Vitals {
    let p = &gs.pass;
    let mut v = Vitals {
        wall_ns: gs.trace_end_ns.saturating_sub(gs.trace_start_ns),
        gomaxprocs: p.gomaxprocs,
        runnable_waits: p.runnable_waits,
        runnable_max_ns: p.runnable_max_ns,
        ..Vitals::default()
    };
    v.gc_cycles = g.cycles.len() as u64;
    v.gc_mark_ns = g.mark_ns();
    v.stw_ns = g.pause_ns();
    if v.gomaxprocs == 0 {
        v.gomaxprocs = trace.proc_ids().len() as u64;
    }
    if v.wall_ns > 0 && v.gomaxprocs > 0 {
        v.proc_busy = p.proc_busy_ns as f64 / (v.wall_ns as f64 * v.gomaxprocs as f64);
    }
    // Groups hold the sums over their goroutines: a few of them instead of millions.
    // Saturating: a corrupt trace's times can be anything.
    for g in gs.groups() {
        v.assist_ns = v.assist_ns.saturating_add(g.stats.range_ns.get("GC mark assist").unwrap_or(0));
        v.exec_ns = v.exec_ns.saturating_add(g.stats.exec_ns);
        v.sched_wait_ns = v.sched_wait_ns.saturating_add(g.stats.sched_wait_ns);
    }
    let mut below = 0;
    for (bucket, n) in p.runnable_hist.iter().enumerate() {
        below += n;
        if below * 100 >= v.runnable_waits * 99 {
            v.runnable_p99_ns = 1i64 << bucket.min(62);
            break;
        }
    }
    v
}

/// Goroutines by creation site: the same `go` statement reached through different callers
/// is one site.
fn sites(trace: &Trace, gs: &GoroutineAnalysis) -> Vec<Site> {
    let mut merged: Vec<Site> = Vec::new();
    let mut index: HashMap<Option<Location>, usize> = HashMap::new();
    for s in &gs.pass.sites {
        let frame = leaf(trace, s.stack);
        match index.get(&frame).map(|&i| &mut merged[i]) {
            Some(m) => {
                m.created += s.created;
                m.peak = m.peak.max(s.peak);
                m.ended += s.ended;
                m.lifetime_ns += s.lifetime_ns;
            }
            None => {
                index.insert(frame.clone(), merged.len());
                let (created, peak, ended, lifetime_ns) = (s.created, s.peak, s.ended, s.lifetime_ns);
                merged.push(Site { frame, created, peak, ended, lifetime_ns });
            }
        }
    }
    merged
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn ms(ns: i64) -> String {
    format!("{:.1}ms", ns as f64 / 1e6)
}

/// The first frame outside package sync and the runtime: where the program called Lock.
fn lock_caller(s: &ProfileSample) -> Option<Location> {
    s.stack
        .iter()
        .find(|f| !f.func.starts_with("sync.") && !f.func.starts_with("runtime.") && !f.func.starts_with("internal/"))
        .map(|f| Location { func: f.func.clone(), file: f.file.clone(), line: f.line })
}

fn is_lock(s: &ProfileSample) -> bool {
    s.stack
        .iter()
        .take(3)
        .any(|f| matches!(f.func.as_str(), "sync.(*Mutex).Lock" | "sync.(*RWMutex).Lock" | "sync.(*RWMutex).RLock"))
}

/// Diagnoses a trace from its goroutine and GC analyses and its sync profile, most severe first.
pub fn findings(trace: &Trace, gs: &GoroutineAnalysis, gc: &GcAnalysis, sync: &Profile) -> Vec<Finding> {
    let (v, sites) = (vitals(trace, gs, gc), sites(trace, gs));
    let wall = v.wall_ns.max(1) as f64;
    let procs = v.gomaxprocs.max(1);
    let mut out = Vec::new();

    // Unbounded creation: one `go` statement with far more goroutines alive at once than
    // there are Ps to run them (a bounded pool keeps this near GOMAXPROCS).
    if let Some(s) = sites.iter().filter(|s| s.created >= 100).max_by_key(|s| s.peak) {
        if s.peak >= procs.saturating_mul(16) {
            let mean_life = if s.ended > 0 { s.lifetime_ns / s.ended as i64 } else { 0 };
            let at = s.frame.as_ref().map_or(String::new(), |f| format!(" at {}:{}", f.file, f.line));
            out.push(Finding {
                id: "unbounded-goroutines",
                severity: Severity::Warning,
                message: format!(
                    "{} goroutines started by one go statement{at}, up to {} alive at once for {procs} Ps, living {} on average",
                    grouped(s.created),
                    grouped(s.peak),
                    ms(mean_life)
                ),
                numbers: vec![
                    ("created", s.created as f64),
                    ("peak_alive", s.peak as f64),
                    ("gomaxprocs", procs as f64),
                    ("mean_lifetime_ns", mean_life as f64),
                ],
                location: s.frame.clone(),
            });
        }
    }

    // Lock contention: the Lock call site where goroutines waited longest (all stacks
    // through it together), if on average at least one goroutine waited there.
    let total_sync = sync.total_delay_ns();
    let mut sites: Vec<(Option<Location>, i64, u64)> = Vec::new();
    let mut index: HashMap<Option<Location>, usize> = HashMap::new();
    for s in sync.samples.iter().filter(|s| is_lock(s)) {
        let loc = lock_caller(s);
        match index.get(&loc) {
            Some(&i) => (sites[i].1, sites[i].2) = (sites[i].1 + s.delay_ns, sites[i].2 + s.count),
            None => {
                index.insert(loc.clone(), sites.len());
                sites.push((loc, s.delay_ns, s.count));
            }
        }
    }
    if let Some((loc, delay, count)) = sites.into_iter().max_by_key(|e| e.1) {
        let share = delay as f64 / total_sync.max(1) as f64;
        let waiting = delay as f64 / wall;
        if share >= 0.05 && waiting >= 1.0 {
            let at = loc.as_ref().map_or(String::new(), |f| format!(" in {} ({}:{})", f.func, f.file, f.line));
            out.push(Finding {
                id: "lock-contention",
                severity: if waiting >= 8.0 { Severity::Critical } else { Severity::Warning },
                message: format!(
                    "goroutines waited {} on a mutex{at}: {} of all sync blocking, {waiting:.1} goroutines waiting on average",
                    ms(delay),
                    pct(share),
                ),
                numbers: vec![
                    ("delay_ns", delay as f64),
                    ("count", count as f64),
                    ("share_of_sync_blocking", share),
                    ("mean_waiters", waiting),
                ],
                location: loc,
            });
        }
    }

    // GC pressure.
    let per_s = v.gc_cycles as f64 / (wall / 1e9);
    let mark = v.gc_mark_ns as f64 / wall;
    let stw = v.stw_ns as f64 / wall;
    // Assist ranges include time blocked waiting for mark work, so this can exceed 1.
    let assisting = v.assist_ns as f64 / wall;
    if v.gc_cycles >= 5 && (per_s >= 20.0 || mark >= 0.25) {
        out.push(Finding {
            id: "gc-pressure",
            severity: if mark >= 0.5 { Severity::Critical } else { Severity::Warning },
            message: format!(
                "{} GC cycles ({per_s:.0}/s): GC marking {} of wall time, stop-the-world {}, {assisting:.1} goroutines in mark assist on average",
                grouped(v.gc_cycles),
                pct(mark),
                pct(stw),
            ),
            numbers: vec![
                ("cycles", v.gc_cycles as f64),
                ("cycles_per_s", per_s),
                ("mark_share", mark),
                ("stw_share", stw),
                ("assist_ns", v.assist_ns as f64),
                ("mean_assisting", assisting),
            ],
            location: None,
        });
    }

    // Idle procs while goroutines wait to run.
    let waiting_to_run = v.sched_wait_ns as f64 / wall;
    if v.proc_busy < 0.5 && waiting_to_run >= 1.0 {
        out.push(Finding {
            id: "idle-procs",
            severity: Severity::Warning,
            message: format!(
                "Ps ran goroutines {} of the time while {waiting_to_run:.1} goroutines were runnable on average",
                pct(v.proc_busy)
            ),
            numbers: vec![("proc_busy", v.proc_busy), ("mean_runnable", waiting_to_run)],
            location: None,
        });
    }

    // Long scheduler latency: the slowest 1% of runnable → running waits.
    if v.runnable_waits >= 100 && v.runnable_p99_ns >= 4_000_000 {
        out.push(Finding {
            id: "sched-latency",
            severity: if v.runnable_p99_ns >= 32_000_000 { Severity::Critical } else { Severity::Warning },
            message: format!(
                "the slowest 1% of {} waits for a P took over {} (longest {}): runnable goroutines outnumber Ps",
                grouped(v.runnable_waits),
                ms(v.runnable_p99_ns / 2),
                ms(v.runnable_max_ns)
            ),
            numbers: vec![
                ("waits", v.runnable_waits as f64),
                ("p99_upper_bound_ns", v.runnable_p99_ns as f64),
                ("max_ns", v.runnable_max_ns as f64),
                ("sched_wait_ns", v.sched_wait_ns as f64),
            ],
            location: None,
        });
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}
