//! What the timeline draws, derived once from the decoded trace: per P (and, once asked for,
//! per thread) the spans in which goroutines ran there, the counter rows, GC and STW. Spans
//! keep event indices, not times (those stay in the trace's column): a 200 MB trace has
//! millions of them.
//! Goroutine lanes are not stored: they are read from the trace's per-goroutine index when a
//! group is expanded, because there can be millions of goroutines.

use std::cell::OnceCell;

use super::paint::{color_of, Rgb};
use gotv_analysis::{GcAnalysis, GoroutineAnalysis};
use gotv_decode::{EventKind, GoId, GoState, ProcState, Trace};

/// The GC and stop-the-world rows' names (Go's own, in every language).
pub const GC_ROW: &str = "GC";
pub const STW_ROW: &str = "STW";
/// A span still open when the trace ends.
pub const OPEN: u32 = u32::MAX;
/// A span that began before the trace did (a goroutine found running or in a syscall): Go
/// backdates these to the trace's start.
const BEFORE: u32 = u32::MAX - 1;
/// Each coarser level of a counter row merges points this much further apart…
const LOD_STEP: i64 = 8;
/// …until a level has fewer points than this.
const LOD_MIN_POINTS: usize = 2000;
/// No goroutine has this id, in [`Goroutines`]' table.
const NO_INDEX: u32 = u32::MAX;
/// Spans per entry of [`Spans::block_ends`].
const BLOCK: usize = 16;

/// A span as stored: 12 bytes, one store per span (a big trace has tens of millions).
#[derive(Clone, Copy)]
struct Stored {
    start: u32,
    end: u32,
    /// The goroutine's index in [`Goroutines`] shifted left by one, and 1 if it was in a
    /// syscall (a span is of a goroutine running or in a syscall). An index needs 31 bits only
    /// past 2^31 goroutines, more than a page's memory can analyse.
    who: u32,
}

/// Spans per piece of [`Spans`]: a whole number of blocks, so that a block is in one piece.
/// Tests use small pieces, so that every fixture's lanes span several.
const PIECE: usize = if cfg!(test) { BLOCK * 4 } else { BLOCK << 14 };

/// Spans on one lane, in time order and not overlapping (a P or M runs one goroutine at a time).
#[derive(Default)]
pub struct Spans {
    /// In pieces of [`PIECE`] (the last one filling): a server's trace puts tens of millions on
    /// one P, and one vector growing by doubling spent a third of the model's time in the page
    /// copying them.
    pieces: Vec<Vec<Stored>>,
    /// The end time of the last span of each block of `BLOCK`. Zoomed out, a frame looks up
    /// where every pixel column starts: a binary search over millions of spans reads the trace's
    /// time column all over memory, about twenty cache misses per column; this small array
    /// narrows it to one block first.
    block_ends: Vec<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub start_ns: i64,
    pub end_ns: i64,
    /// Index into [`Goroutines`].
    pub goroutine: u32,
    pub state: GoState,
}

impl Spans {
    pub fn len(&self) -> usize {
        self.pieces.last().map_or(0, |last| (self.pieces.len() - 1) * PIECE + last.len())
    }

    fn push(&mut self, start: u32, end: u32, goroutine: u32, state: GoState) {
        let who = goroutine << 1 | u32::from(state == GoState::Syscall);
        match self.pieces.last_mut().filter(|p| p.len() < PIECE) {
            Some(p) => p.push(Stored { start, end, who }),
            None => {
                // The first piece grows as it fills: most lanes (threads) have few spans.
                let mut piece = if self.pieces.is_empty() { Vec::new() } else { Vec::with_capacity(PIECE) };
                piece.push(Stored { start, end, who });
                self.pieces.push(piece);
            }
        }
    }

    /// Spans `from..to`, which must not cross a block's end.
    fn block_part(&self, from: usize, to: usize) -> &[Stored] {
        if from >= to {
            return &[];
        }
        let at = from % PIECE;
        &self.pieces[from / PIECE][at..at + (to - from)]
    }

    fn stored(&self) -> impl Iterator<Item = &Stored> {
        self.pieces.iter().flatten()
    }

    pub fn get(&self, trace: &Trace, (start_ns, end_ns): (i64, i64), i: usize) -> Span {
        let time = |ev: u32| match ev {
            OPEN => end_ns,
            BEFORE => start_ns,
            ev => trace.time(ev as usize),
        };
        let s = self.pieces[i / PIECE][i % PIECE];
        Span {
            start_ns: time(s.start),
            end_ns: time(s.end),
            goroutine: s.who >> 1,
            state: if s.who & 1 == 0 { GoState::Running } else { GoState::Syscall },
        }
    }

    /// The first span that ends after `t`: where drawing from `t` starts.
    pub fn first_ending_after(&self, trace: &Trace, t: f64) -> usize {
        self.first_ending_after_from(trace, t, 0)
    }

    /// The same, knowing that the spans before `from` end before `t`: searching forward from
    /// there, as each pixel column does from the last, stays in memory just read.
    pub fn first_ending_after_from(&self, trace: &Trace, t: f64, from: usize) -> usize {
        let ends = &self.block_ends;
        let n = ends.len();
        // Blocks before `lo` end by `t`; `hi` is the next one to try, ever further ahead.
        let (mut lo, mut hi, mut step) = ((from / BLOCK).min(n), (from / BLOCK).min(n), 1);
        while hi < n && (ends[hi] as f64) <= t {
            lo = hi + 1;
            hi += step;
            step *= 2;
        }
        let hi = hi.min(n);
        let block = (lo + ends[lo..hi].partition_point(|&end| (end as f64) <= t)) * BLOCK;
        let start = block.max(from).min(self.len());
        let spans = self.block_part(start, (block + BLOCK).min(self.len()).max(start));
        start + spans.partition_point(|s| s.end != OPEN && (trace.time(s.end as usize) as f64) <= t)
    }

    fn index_blocks(&mut self, trace: &Trace) {
        let time = |ev: u32| if ev == OPEN { i64::MAX } else { trace.time(ev as usize) };
        self.block_ends = self.stored().skip(BLOCK - 1).step_by(BLOCK).map(|s| time(s.end)).collect();
    }
}

pub struct Lane {
    pub id: i64,
    pub spans: Spans,
}

impl Lane {
    /// "Proc N" or "Thread N".
    pub fn name(&self, by_thread: bool) -> String {
        format!("{} {}", if by_thread { "Thread" } else { "Proc" }, self.id)
    }
}

/// Every goroutine, by id, with its group (goroutines are grouped by function, as Go does).
pub struct Goroutines {
    pub ids: Vec<GoId>,
    /// Index by `id - first_id`, when ids are dense enough for a table (the runtime hands them
    /// out in order): building the model looks one up per state transition, tens of millions
    /// on a big trace, and a binary search through millions of ids costs seconds there.
    by_id: Vec<u32>,
    first_id: GoId,
    pub group: Vec<u32>,
    /// Groups by total execution time, busiest first.
    pub groups: Vec<GroupLanes>,
}

pub struct GroupLanes {
    pub name: String,
    /// The color of its goroutines' spans, computed once rather than per pixel column.
    pub color: Rgb,
    /// Indices into [`Goroutines::ids`], by goroutine id.
    pub members: Vec<u32>,
}

impl GroupLanes {
    fn new(name: String) -> GroupLanes {
        GroupLanes { color: color_of(&name), name, members: Vec::new() }
    }
}

impl Goroutines {
    fn new(gs: &GoroutineAnalysis) -> Goroutines {
        let mut order: Vec<(i64, &str)> = gs.groups().map(|g| (g.stats.exec_ns, g.name)).collect();
        order.sort_by_key(|&(exec, name)| (std::cmp::Reverse(exec), name));
        let rank: std::collections::HashMap<&str, u32> =
            order.iter().enumerate().map(|(r, &(_, name))| (name, r as u32)).collect();
        let mut groups: Vec<GroupLanes> = order.iter().map(|&(_, name)| GroupLanes::new(name.to_string())).collect();
        let mut ids = Vec::with_capacity(gs.lifetimes().len());
        let mut group = Vec::with_capacity(ids.capacity());
        // Goroutines in ID order mostly follow the previous one's group: its rank is kept
        // rather than hashing the name again (millions of goroutines).
        let mut last: Option<(&str, u32)> = None;
        for (i, (id, name, _, _)) in gs.lifetimes().enumerate() {
            let r = match last {
                Some((n, r)) if std::ptr::eq(n, name) => r,
                _ => rank.get(name).copied().unwrap_or(0),
            };
            last = Some((name, r));
            ids.push(id);
            group.push(r);
            if let Some(lanes) = groups.get_mut(r as usize) {
                lanes.members.push(i as u32);
            }
        }
        let first_id = ids.first().copied().unwrap_or(0);
        let range = ids.last().map_or(0, |&last| last.saturating_sub(first_id).saturating_add(1));
        // At most four slots per goroutine: sparse ids keep the binary search.
        let by_id = match usize::try_from(range) {
            Ok(range) if range <= ids.len().saturating_mul(4) => {
                let mut table = vec![NO_INDEX; range];
                for (i, &id) in ids.iter().enumerate() {
                    if let Some(slot) = usize::try_from(id.wrapping_sub(first_id)).ok().and_then(|s| table.get_mut(s)) {
                        *slot = i as u32;
                    }
                }
                table
            }
            _ => Vec::new(),
        };
        Goroutines { ids, by_id, first_id, group, groups }
    }

    pub fn index(&self, id: GoId) -> Option<u32> {
        if self.by_id.is_empty() {
            return self.ids.binary_search(&id).ok().map(|i| i as u32);
        }
        let slot = usize::try_from(id.wrapping_sub(self.first_id)).ok()?;
        self.by_id.get(slot).copied().filter(|&i| i != NO_INDEX)
    }

    pub fn name(&self, i: u32) -> &str {
        self.group_of(i).map_or("", |g| &g.name)
    }

    pub fn color(&self, i: u32) -> Rgb {
        self.group_of(i).map_or_else(|| color_of(""), |g| g.color)
    }

    fn group_of(&self, i: u32) -> Option<&GroupLanes> {
        self.group.get(i as usize).and_then(|&g| self.groups.get(g as usize))
    }
}

/// A stacked step chart: values of each series at each point, drawn until the next point.
pub struct CounterRow {
    pub label: &'static str,
    pub series: &'static [&'static str],
    pub times: Vec<i64>,
    /// `values[k][i]`: series k at point i.
    pub values: Vec<Vec<f64>>,
    /// The highest stack, which the row's height is scaled to (the same at every level).
    pub max_total: f64,
    /// The same row at coarser resolutions, `(resolution, row)`, finest first: zoomed out, a
    /// frame draws from the level with about a point per pixel instead of going through dozens
    /// of points per pixel (a 200 MB trace has 50,000 per row).
    pub coarser: Vec<(i64, CounterRow)>,
}

impl CounterRow {
    fn new(label: &'static str, series: &'static [&'static str]) -> CounterRow {
        CounterRow {
            label,
            series,
            times: Vec::new(),
            values: vec![Vec::new(); series.len()],
            max_total: 0.0,
            coarser: Vec::new(),
        }
    }

    /// Adds a point, merged into the previous one when closer than `resolution` (keeping the
    /// highest values, so short peaks stay visible).
    fn add(&mut self, time: i64, values: &[f64], resolution: i64) {
        if let Some(&last) = self.times.last() {
            if time - last < resolution {
                for (k, v) in values.iter().enumerate() {
                    if let Some(x) = self.values[k].last_mut() {
                        *x = x.max(*v);
                    }
                }
                return;
            }
        }
        self.times.push(time);
        for (k, v) in values.iter().enumerate() {
            self.values[k].push(*v);
        }
    }

    /// Two step series sampled at every point of either: the row shows both at once.
    fn merged(
        label: &'static str,
        series: &'static [&'static str],
        a: &[(i64, f64)],
        b: &[(i64, f64)],
        resolution: i64,
        combine: impl Fn(f64, f64) -> [f64; 2],
    ) -> CounterRow {
        let mut row = CounterRow::new(label, series);
        let (mut i, mut j) = (0, 0);
        let (mut x, mut y) = (0.0, 0.0);
        while let Some(t) = [a.get(i), b.get(j)].into_iter().flatten().map(|p| p.0).min() {
            while let Some(&(_, v)) = a.get(i).filter(|p| p.0 == t) {
                x = v;
                i += 1;
            }
            while let Some(&(_, v)) = b.get(j).filter(|p| p.0 == t) {
                y = v;
                j += 1;
            }
            row.add(t, &combine(x, y), resolution);
        }
        row
    }

    /// With its coarser levels and its maximum, for a row whose points are `resolution` apart.
    fn finished(mut self, resolution: i64) -> CounterRow {
        let mut levels: Vec<(i64, CounterRow)> = Vec::new();
        loop {
            let finer = levels.last().map_or(&self, |l| &l.1);
            if finer.times.len() < LOD_MIN_POINTS {
                break;
            }
            let resolution = levels.last().map_or(resolution, |l| l.0).saturating_mul(LOD_STEP);
            let mut coarse = CounterRow::new(self.label, self.series);
            for i in 0..finer.times.len() {
                let values: Vec<f64> = finer.values.iter().map(|s| s[i]).collect();
                coarse.add(finer.times[i], &values, resolution);
            }
            levels.push((resolution, coarse));
        }
        // Merged points keep each series' highest value, so coarser stacks can be higher.
        let highest =
            |r: &CounterRow| (0..r.times.len()).map(|i| r.values.iter().map(|s| s[i]).sum::<f64>()).fold(0.0, f64::max);
        self.max_total = levels.iter().map(|l| highest(&l.1)).fold(highest(&self), f64::max);
        self.coarser = levels;
        self
    }

    /// The coarsest level still finer than `ns_per_px`.
    pub fn level(&self, ns_per_px: f64) -> &CounterRow {
        self.coarser.iter().rev().find(|l| (l.0 as f64) <= ns_per_px).map_or(self, |l| &l.1)
    }
}

/// A labelled range: a GC cycle or a stop-the-world pause.
pub struct Range {
    pub start_ns: i64,
    pub end_ns: i64,
    pub label: String,
}

pub struct Model {
    pub start_ns: i64,
    pub end_ns: i64,
    pub procs: Vec<Lane>,
    /// Built the first time a frame shows lanes per thread: they hold as many spans as the
    /// P lanes, and most people never switch to them.
    threads: OnceCell<Vec<Lane>>,
    pub goroutines: Goroutines,
    pub counters: Vec<CounterRow>,
    pub gc: Vec<Range>,
    pub stw: Vec<Range>,
    /// Of the counter rows' points, in ns.
    resolution: i64,
}

impl Model {
    /// The fixed rows' names as the timeline labels them (P view).
    pub fn row_names(&self) -> Vec<String> {
        let fixed = self.counters.iter().map(|c| c.label.to_string()).chain([GC_ROW.to_string(), STW_ROW.to_string()]);
        fixed.chain(self.procs.iter().map(|l| l.name(false))).collect()
    }

    /// The lanes per P, or per thread.
    pub fn lanes(&self, trace: &Trace, by_thread: bool) -> &[Lane] {
        if by_thread {
            self.threads.get_or_init(|| lanes::<true>(trace, &self.goroutines))
        } else {
            &self.procs
        }
    }
}

/// A goroutine's span in progress on its lane, with the event it began at.
#[derive(Clone, Copy)]
struct Open {
    state: GoState,
    lane: u32,
    start: u32,
}

const IDLE: Open = Open { state: GoState::NotExist, lane: OPEN, start: OPEN };

/// Spans follow go tool trace's timeline (analyses.md §5.3): a goroutine's span runs from
/// becoming Running until it stops executing, split where it enters a syscall so the syscall is
/// drawn in its own color; on the P it ends when the P is taken from the syscall, on the thread
/// when the syscall returns.
fn lanes<const BY_THREAD: bool>(trace: &Trace, goroutines: &Goroutines) -> Vec<Lane> {
    let mut lanes = LaneSet::new(if BY_THREAD { trace.thread_ids() } else { trace.proc_ids() });
    let mut open = vec![IDLE; goroutines.ids.len()];
    // Per lane of a P (there are at most as many as Ps), the goroutine in a syscall on it
    // (`OPEN`: none), until the P is taken from it. Flat, not a map: a server's trace has
    // millions of syscalls.
    let mut in_syscall_on = vec![OPEN; if BY_THREAD { 0 } else { trace.proc_ids().len() }];
    // Per goroutine index in the trace, its index in `goroutines`: read per transition, where
    // looking its ID up took two reads far apart in memory.
    let index_of: Vec<u32> = trace.goroutine_ids().iter().map(|&id| goroutines.index(id).unwrap_or(NO_INDEX)).collect();
    trace.each_event(|i, kind| {
        if kind != EventKind::StateTransition {
            return;
        }
        let ev = trace.event(i);
        let at = i as u32;
        let Some(t) = ev.go_transition() else {
            if let (false, Some(p)) = (BY_THREAD, ev.proc_transition()) {
                if p.to != ProcState::Running {
                    let on = lanes.existing(p.slot).and_then(|lane| in_syscall_on.get_mut(lane as usize));
                    if let Some(g) = on.map(|g| std::mem::replace(g, OPEN)).filter(|&g| g != OPEN) {
                        let o = &mut open[g as usize];
                        lanes.close(o.lane, o.start, at, g, GoState::Syscall);
                        o.lane = OPEN;
                    }
                }
            }
            return;
        };
        let g = index_of[t.slot as usize];
        if g == NO_INDEX {
            return;
        }
        let (from, to) = (t.from, t.to);
        let o = &mut open[g as usize];
        if o.state.executing() {
            lanes.close(o.lane, o.start, at, g, o.state);
        }
        if !BY_THREAD && o.state == GoState::Syscall {
            if let Some(g) = in_syscall_on.get_mut(o.lane as usize) {
                *g = OPEN;
            }
        }
        *o = IDLE;
        o.state = to;
        if to.executing() {
            let (thread, proc) = ev.thread_and_proc_slots();
            let lane = lanes.lane(if BY_THREAD { thread } else { proc });
            let start = if from == GoState::Undetermined { BEFORE } else { at };
            *o = Open { state: to, lane, start };
            if let (false, GoState::Syscall, Some(on)) = (BY_THREAD, to, in_syscall_on.get_mut(lane as usize)) {
                *on = g;
            }
        }
    });
    for (g, o) in open.iter().enumerate().filter(|(_, o)| o.state.executing()) {
        lanes.close(o.lane, o.start, OPEN, g as u32, o.state);
    }
    lanes.sorted(trace)
}

impl Model {
    pub fn new(trace: &Trace, gs: &GoroutineAnalysis, gc: &GcAnalysis) -> Model {
        let (start_ns, end_ns) = (gs.trace_start_ns, gs.trace_end_ns.max(gs.trace_start_ns));
        let resolution = gotv_analysis::plot_resolution(end_ns.saturating_sub(start_ns));
        let goroutines = Goroutines::new(gs);
        let procs = lanes::<false>(trace, &goroutines);
        let points = |s: &[gotv_analysis::Point]| s.iter().map(|p| (p.time, p.value as f64)).collect::<Vec<_>>();
        // Go draws the goal as the headroom above what is allocated.
        let heap = CounterRow::merged(
            "Heap",
            &["Allocated", "NextGC"],
            &points(&gc.heap_alloc),
            &points(&gc.heap_goal),
            resolution,
            |a, g| [a, (g - a).max(0.0)],
        );
        let gc_ranges = gc
            .cycles
            .iter()
            .map(|c| Range { start_ns: c.start_ns, end_ns: c.start_ns + c.duration_ns, label: "GC".into() })
            .collect();
        let stw = gc
            .pauses
            .iter()
            .map(|p| Range { start_ns: p.start_ns, end_ns: p.start_ns + p.duration_ns, label: p.reason.clone() })
            .collect();
        Model {
            start_ns,
            end_ns,
            procs,
            threads: OnceCell::new(),
            goroutines,
            // Filled by `add_counters`.
            counters: vec![
                CounterRow::new(GOROUTINES.0, GOROUTINES.1),
                heap.finished(resolution),
                CounterRow::new(THREADS.0, THREADS.1),
            ],
            gc: gc_ranges,
            stw,
            resolution,
        }
    }

    /// The goroutine and thread rows, from one more pass over the trace (a second on a 200 MB
    /// trace in the page): the worker adds them after the first frame, which shows them empty.
    pub fn add_counters(&mut self, trace: &Trace) {
        let counts = gotv_analysis::counters(trace, self.resolution);
        let mut goroutine_row = CounterRow::new(GOROUTINES.0, GOROUTINES.1);
        for c in &counts.goroutines {
            goroutine_row.add(c.time, &[c.running as f64, c.runnable as f64, c.gc_waiting as f64], 0);
        }
        let mut thread_row = CounterRow::new(THREADS.0, THREADS.1);
        for p in &counts.procs {
            thread_row.add(p.time, &[p.running as f64, p.in_syscall as f64], 0);
        }
        self.counters[0] = goroutine_row.finished(self.resolution);
        self.counters[2] = thread_row.finished(self.resolution);
    }
}

const GOROUTINES: (&str, &[&str]) = ("Goroutines", &["Running", "Runnable", "GCWaiting"]);
const THREADS: (&str, &[&str]) = ("Threads", &["Running", "InSyscall"]);

/// Lanes created in the order their P or M first appears; sorted by id at the end.
struct LaneSet<'a> {
    /// IDs of the trace's Ps or Ms, by their index in the trace (see
    /// [`gotv_decode::EventRef::thread_and_proc_slots`]).
    ids: &'a [i64],
    /// Lane by index (`OPEN`: none yet): asked twice per transition, tens of millions of
    /// times, where hashing IDs took a fifth of the model's time in the page.
    by_slot: Vec<u32>,
    lanes: Vec<Lane>,
}

impl<'a> LaneSet<'a> {
    fn new(ids: &'a [i64]) -> Self {
        LaneSet { ids, by_slot: vec![OPEN; ids.len()], lanes: Vec::new() }
    }

    #[inline]
    fn lane(&mut self, slot: Option<u32>) -> u32 {
        let Some(s) = slot.map(|s| s as usize).filter(|&s| s < self.by_slot.len()) else { return OPEN };
        if self.by_slot[s] == OPEN {
            self.by_slot[s] = self.lanes.len() as u32;
            self.lanes.push(Lane { id: self.ids[s], spans: Spans::default() });
        }
        self.by_slot[s]
    }

    /// The lane of a P or M that has one.
    fn existing(&self, slot: Option<u32>) -> Option<u32> {
        slot.and_then(|s| self.by_slot.get(s as usize)).copied().filter(|&l| l != OPEN)
    }

    fn close(&mut self, lane: u32, start: u32, end: u32, goroutine: u32, state: GoState) {
        if let Some(l) = self.lanes.get_mut(lane as usize) {
            l.spans.push(start, end, goroutine, state);
        }
    }

    fn sorted(mut self, trace: &Trace) -> Vec<Lane> {
        self.lanes.sort_by_key(|l| l.id);
        for lane in &mut self.lanes {
            lane.spans.index_blocks(trace);
        }
        self.lanes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarser_counter_levels_keep_every_peak_and_are_picked_by_zoom() {
        let mut row = CounterRow::new(THREADS.0, THREADS.1);
        for t in 0..20_000i64 {
            // A one-point spike every 1000 points.
            let spike = if t % 1000 == 500 { 100.0 } else { 1.0 };
            row.add(t * 10, &[spike, (t % 7) as f64], 0);
        }
        let row = row.finished(10);
        assert!(row.coarser.len() >= 2, "{} levels", row.coarser.len());
        for (resolution, level) in &row.coarser {
            assert!(level.times.len() * (*resolution as usize / 10) <= 20_000 + level.times.len());
            assert_eq!(level.values[0].iter().filter(|&&v| v == 100.0).count(), 20, "at {resolution} ns");
        }
        assert!(std::ptr::eq(row.level(5.0), &row));
        assert!(std::ptr::eq(row.level(80.0), &row.coarser[0].1));
        assert!(std::ptr::eq(row.level(1e12), &row.coarser.last().expect("a level").1));
        assert_eq!(row.max_total, 106.0);
    }
}
