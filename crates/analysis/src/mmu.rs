//! Minimum mutator utilization (analyses.md §6): Go's utilisation function, with its
//! background-worker accounting fixed (§11 item 8), and an exact MMU by a linear sweep.

use gotv_decode::{EventKind, GoId, GoTransition, Metric, Trace};
use serde::Serialize;

/// Far above any real GOMAXPROCS (the runtime's own limit is lower), yet small enough that
/// per-P state for it is cheap.
const MAX_PROCS: usize = 1 << 16;

const EXECUTING: u8 = 1;
const IN_ASSIST: u8 = 2;
const BG_WORKER: u8 = 4;

/// What counts as time taken from the program (Go's `UtilFlags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MmuFlags {
    /// Stop-the-world pauses for GC.
    pub stw: bool,
    /// Ps running dedicated or fractional background mark workers.
    pub background: bool,
    /// Ps whose goroutine is in a mark assist.
    pub assist: bool,
    /// Ps sweeping.
    pub sweep: bool,
    /// One 0/1 series per P instead of one fractional series.
    pub per_proc: bool,
}

impl Default for MmuFlags {
    /// Go's page defaults.
    fn default() -> Self {
        MmuFlags { stw: true, background: true, assist: true, sweep: false, per_proc: false }
    }
}

/// Utilisation from `time` (ns) until the next point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UtilPoint {
    pub time: i64,
    pub util: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    pub start_ns: i64,
    pub util: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MmuCurve {
    pub flags: MmuFlags,
    /// One series, or one per P with `per_proc`; each ends with a 0 at the last event.
    pub series: Vec<Vec<UtilPoint>>,
    /// (window ns, MMU), log-spaced as on Go's page.
    pub curve: Vec<(i64, f64)>,
}

fn add(series: &mut Vec<UtilPoint>, p: UtilPoint) {
    if let Some(last) = series.last_mut() {
        if last.util == p.util {
            return;
        }
        // At equal times the lowest utilisation wins.
        if last.time == p.time {
            if p.util < last.util {
                *last = p;
            }
            return;
        }
    }
    series.push(p);
}

#[derive(Clone, Copy, Default)]
struct PerP {
    gc: i32,
    series: usize,
}

/// Go's `MutatorUtilizationV2`, except that a background worker's mark is dropped when it
/// stops running (the label marks it again on its next run), so P counters stay balanced.
pub fn utilization(trace: &Trace, flags: MmuFlags) -> Vec<Vec<UtilPoint>> {
    utilization_impl(trace, flags, false)
}

/// Go 1.27's utilisation function bug for bug (analyses.md §11 item 8: a background worker
/// stays marked once labelled, and every later run and label increments its P again), for
/// tests that show where and why [`utilization`] differs from Go's page.
#[doc(hidden)]
pub fn utilization_as_go(trace: &Trace, flags: MmuFlags) -> Vec<Vec<UtilPoint>> {
    utilization_impl(trace, flags, true)
}

/// [`mmu_curve`] of [`utilization_as_go`]: what Go's `/mmu?mode=plot` shows.
#[doc(hidden)]
pub fn mmu_curve_as_go(trace: &Trace, flags: MmuFlags) -> MmuCurve {
    let series = utilization_as_go(trace, flags);
    let curve = plot(&series);
    MmuCurve { flags, series, curve }
}

fn utilization_impl(trace: &Trace, flags: MmuFlags, go_bug: bool) -> Vec<Vec<UtilPoint>> {
    let mut out: Vec<Vec<UtilPoint>> = Vec::new();
    let mut ps: Vec<PerP> = Vec::new();
    let mut procs: Vec<(i64, usize)> = Vec::new();
    let mut stw = 0i32;
    // Per goroutine, by its index in the trace (which transitions carry, so no ID is looked
    // up per transition): EXECUTING, IN_ASSIST and BG_WORKER bits.
    let mut gflags = vec![0u8; trace.goroutine_ids().len()];
    let slot = |g: GoId| trace.goroutine_slot(g).map(|s| s as usize);
    let has = |f: &[u8], g: GoId, bit: u8| slot(g).is_some_and(|s| f[s] & bit != 0);
    let mut n_sync = 0u32;
    let is_stw = |name: &[u8]| name.starts_with(b"stop-the-world") && name.windows(2).any(|w| w == b"GC");
    trace.each_event(|i, kind| {
        let ev = match kind {
            EventKind::StackSample
            | EventKind::TaskBegin
            | EventKind::TaskEnd
            | EventKind::RegionBegin
            | EventKind::RegionEnd
            | EventKind::Log
            | EventKind::Experimental => return,
            _ => trace.event(i),
        };
        let t = ev.time();
        // Whether the utilisation may have changed: if not, it equals the last point's, and
        // adding it would do nothing (times strictly increase).
        let mut changed = false;
        match kind {
            EventKind::Sync => n_sync = ev.sync().map_or(n_sync, |s| s.n),
            EventKind::Metric => {
                if let Some((Metric::Gomaxprocs, n)) = ev.metric() {
                    changed = true;
                    // The value comes from the file: a corrupt one must not size our memory.
                    let n = usize::try_from(n).unwrap_or(usize::MAX).min(MAX_PROCS);
                    if ps.len() > n {
                        if flags.per_proc {
                            for p in &ps[n..] {
                                add(&mut out[p.series], UtilPoint { time: t, util: 0.0 });
                            }
                        }
                        ps.truncate(n);
                    }
                    while ps.len() < n {
                        let mut series = 0;
                        if flags.per_proc || out.is_empty() {
                            series = out.len();
                            out.push(vec![UtilPoint { time: t, util: 1.0 }]);
                        }
                        ps.push(PerP { gc: 0, series });
                    }
                    if procs.last().is_none_or(|p| p.1 != n) {
                        procs.push((t, n));
                    }
                }
            }
            _ => {}
        }
        if ps.is_empty() {
            return;
        }
        let mut bump = |d: i32| {
            if let Some(p) = usize::try_from(ev.proc()).ok().filter(|&p| p < ps.len()) {
                ps[p].gc += d;
            }
        };
        changed |= match kind {
            EventKind::RangeActive | EventKind::RangeBegin | EventKind::RangeEnd => {
                let Some(r) = ev.range() else { return };
                let name = trace.strings.bytes(r.name);
                let stw_r = flags.stw && is_stw(name);
                let sweep = flags.sweep && name == b"GC incremental sweep";
                let assist = flags.assist && name == b"GC mark assist";
                if ev.kind() == EventKind::RangeActive && n_sync <= 1 && !flags.per_proc {
                    // Active since before the trace: take 1/GOMAXPROCS off everything so far.
                    let running = has(&gflags, ev.goroutine(), EXECUTING);
                    if sweep || (assist && running) {
                        let (mut pi, series) = (0, &mut out[0]);
                        for u in series.iter_mut() {
                            while pi + 1 < procs.len() && procs[pi + 1].0 < u.time {
                                pi += 1;
                            }
                            u.util = (u.util - 1.0 / procs[pi].1 as f64).max(0.0);
                        }
                    }
                }
                let begin = ev.kind() != EventKind::RangeEnd;
                let d = if begin { 1 } else { -1 };
                if stw_r {
                    stw += d;
                } else if sweep {
                    bump(d);
                } else if assist {
                    bump(d);
                    if let Some(s) = slot(match r.scope {
                        gotv_decode::Resource::Goroutine(g) => g,
                        _ => gotv_decode::NO_GOROUTINE,
                    }) {
                        if begin {
                            gflags[s] |= IN_ASSIST;
                        } else {
                            gflags[s] &= !IN_ASSIST;
                        }
                    }
                }
                true
            }
            EventKind::StateTransition => {
                let mut bumped = false;
                if let Some(GoTransition { slot: s, from, to }) = ev.go_transition() {
                    let s = s as usize;
                    if gflags[s] & (IN_ASSIST | BG_WORKER) != 0 {
                        if !from.executing() && to.executing() {
                            bump(1);
                            bumped = true;
                        } else if from.executing() && !to.executing() {
                            bump(-1);
                            bumped = true;
                            // Go keeps the mark, and the next run counts the worker twice
                            // (start + label); its label marks it again instead.
                            if !go_bug {
                                gflags[s] &= !BG_WORKER;
                            }
                        }
                    }
                    if to.executing() {
                        gflags[s] |= EXECUTING;
                    } else {
                        gflags[s] &= !EXECUTING;
                    }
                }
                bumped
            }
            EventKind::Label => {
                let mut bumped = false;
                if let Some((label, _)) = ev.label() {
                    let l = trace.strings.bytes(label);
                    let counts = flags.background
                        && l.starts_with(b"GC ")
                        && l != b"GC (idle)"
                        && !(flags.per_proc && l == b"GC (dedicated)");
                    // A worker labelled again while already marked is already counted.
                    if let (true, Some(s)) = (counts, slot(ev.goroutine())) {
                        if gflags[s] & BG_WORKER == 0 || go_bug {
                            gflags[s] |= BG_WORKER;
                            bump(1);
                            bumped = true;
                        }
                    }
                }
                bumped
            }
            _ => false,
        };
        if !changed {
            return;
        }
        if flags.per_proc {
            for pp in &ps {
                let util = if stw > 0 || pp.gc > 0 { 0.0 } else { 1.0 };
                add(&mut out[pp.series], UtilPoint { time: t, util });
            }
        } else {
            let gc_ps = if stw > 0 { ps.len() } else { ps.iter().filter(|p| p.gc > 0).count() };
            add(&mut out[0], UtilPoint { time: t, util: 1.0 - gc_ps as f64 / ps.len() as f64 });
        }
    });
    if let Some(t) = trace.len().checked_sub(1).map(|i| trace.time(i)) {
        for p in &ps {
            add(&mut out[p.series], UtilPoint { time: t, util: 0.0 });
        }
    }
    out
}

/// Integral of a step function, evaluated at increasing times.
struct Integral<'a> {
    u: &'a [UtilPoint],
    sums: &'a [f64],
    k: usize,
}

impl Integral<'_> {
    fn at(&mut self, x: i64) -> f64 {
        while self.k + 1 < self.u.len() && self.u[self.k + 1].time <= x {
            self.k += 1;
        }
        self.sums[self.k] + self.u[self.k].util * (x - self.u[self.k].time) as f64
    }
}

fn prefix_sums(u: &[UtilPoint]) -> Vec<f64> {
    let mut sums = Vec::with_capacity(u.len());
    let mut acc = 0.0;
    for (i, p) in u.iter().enumerate() {
        if i > 0 {
            acc += u[i - 1].util * (p.time - u[i - 1].time) as f64;
        }
        sums.push(acc);
    }
    sums
}

/// Calls `f(start, mean utilisation)` for every window of `w` ns that starts or ends at a
/// change point: the windowed mean is piecewise linear between those, so its minima are
/// among them. `w` is clamped to the series' span, as Go does.
fn windows(u: &[UtilPoint], sums: &[f64], w: i64, mut f: impl FnMut(i64, f64)) {
    let (Some(first), Some(last)) = (u.first(), u.last()) else { return };
    let w = w.min(last.time - first.time);
    if w <= 0 {
        return;
    }
    let n = u.len();
    let (mut lo, mut hi) = (Integral { u, sums, k: 0 }, Integral { u, sums, k: 0 });
    let (mut i, mut j) = (0, 0);
    while j < n && u[j].time - w < first.time {
        j += 1;
    }
    loop {
        let a = (i < n && u[i].time + w <= last.time).then(|| u[i].time);
        let b = (j < n).then(|| u[j].time - w);
        let t = match (a, b) {
            (None, None) => break,
            (Some(a), Some(b)) if a == b => {
                (i, j) = (i + 1, j + 1);
                a
            }
            (Some(a), Some(b)) if a < b => {
                i += 1;
                a
            }
            (Some(a), None) => {
                i += 1;
                a
            }
            (_, Some(b)) => {
                j += 1;
                b
            }
        };
        let end = hi.at(t + w);
        f(t, (end - lo.at(t)) / w as f64);
    }
}

/// MMU for windows of `w` ns: the lowest mean utilisation of any window, over all series.
pub fn mmu(series: &[Vec<UtilPoint>], w: i64) -> f64 {
    let sums: Vec<Vec<f64>> = series.iter().map(|u| prefix_sums(u)).collect();
    mmu_with(series, &sums, w)
}

fn mmu_with(series: &[Vec<UtilPoint>], sums: &[Vec<f64>], w: i64) -> f64 {
    if w <= 0 {
        return 0.0;
    }
    let mut min = 1.0f64;
    for (u, s) in series.iter().zip(sums) {
        windows(u, s, w, |_, m| min = min.min(m));
    }
    min
}

/// The `n` lowest-utilisation windows of `w` ns, pairwise disjoint, worst first.
pub fn worst_windows(series: &[Vec<UtilPoint>], w: i64, n: usize) -> Vec<Window> {
    let mut all = Vec::new();
    for u in series {
        let sums = prefix_sums(u);
        windows(u, &sums, w, |start_ns, util| all.push(Window { start_ns, util }));
    }
    all.sort_by(|a, b| a.util.total_cmp(&b.util).then(a.start_ns.cmp(&b.start_ns)));
    let mut picked: Vec<Window> = Vec::with_capacity(n);
    for c in all {
        if picked.len() == n {
            break;
        }
        if picked.iter().all(|p| c.start_ns + w <= p.start_ns || p.start_ns + w <= c.start_ns) {
            picked.push(c);
        }
    }
    picked
}

/// The utilisation series and Go's plot: 100 log-spaced windows from the first of 1 s, 1 ms,
/// 1 µs, 1 ns whose MMU is below 0.0001, over six decades or up to the trace length.
pub fn mmu_curve(trace: &Trace, flags: MmuFlags) -> MmuCurve {
    let series = utilization(trace, flags);
    let curve = plot(&series);
    MmuCurve { flags, series, curve }
}

fn plot(series: &[Vec<UtilPoint>]) -> Vec<(i64, f64)> {
    let mut curve = Vec::new();
    let span = {
        let lo = series.iter().filter_map(|s| s.first()).map(|p| p.time).min();
        let hi = series.iter().filter_map(|s| s.last()).map(|p| p.time).max();
        lo.zip(hi).map_or(0, |(lo, hi)| hi - lo)
    };
    if span > 0 {
        let sums: Vec<Vec<f64>> = series.iter().map(|u| prefix_sums(u)).collect();
        let mmu = |w| mmu_with(series, &sums, w);
        let mut x_min = 1_000_000_000i64;
        while x_min > 1 && mmu(x_min) >= 0.0001 {
            x_min /= 1000;
        }
        let x_max = (x_min * 1_000_000).min(span);
        let (lmin, lmax) = ((x_min as f64).ln(), (x_max as f64).ln());
        for i in 0..100 {
            let w = (i as f64 / 99.0 * (lmax - lmin) + lmin).exp() as i64;
            curve.push((w, mmu(w)));
        }
    }
    curve
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, f64)]) -> Vec<Vec<UtilPoint>> {
        vec![points.iter().map(|&(time, util)| UtilPoint { time, util }).collect()]
    }

    #[test]
    fn mmu_is_exact_on_a_step_function() {
        // Running, a 10 ns pause at 10, running, a 5 ns pause at 50, end at 100.
        let s = series(&[(0, 1.0), (10, 0.0), (20, 1.0), (50, 0.0), (55, 1.0), (100, 0.0)]);
        assert_eq!(mmu(&s, 5), 0.0);
        assert_eq!(mmu(&s, 10), 0.0);
        assert_eq!(mmu(&s, 20), 0.5);
        assert_eq!(mmu(&s, 40), 0.75);
        assert_eq!(mmu(&s, 100), 0.85);
        // Windows longer than the trace are clamped to it.
        assert_eq!(mmu(&s, 1000), 0.85);
    }

    #[test]
    fn worst_windows_are_disjoint_and_sorted() {
        let s = series(&[(0, 1.0), (10, 0.0), (20, 1.0), (50, 0.0), (55, 1.0), (100, 0.0)]);
        let w = worst_windows(&s, 10, 3);
        assert_eq!(w[0], Window { start_ns: 10, util: 0.0 });
        assert_eq!(w[1].util, 0.5);
        assert!(w.windows(2).all(|p| p[0].util <= p[1].util));
        for (i, a) in w.iter().enumerate() {
            for b in &w[i + 1..] {
                assert!(a.start_ns + 10 <= b.start_ns || b.start_ns + 10 <= a.start_ns, "{w:?}");
            }
        }
    }
}
