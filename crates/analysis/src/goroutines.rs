//! Per-goroutine time accounting: Go 1.27's `internal/trace` Summarizer (analyses.md §3),
//! reproduced rule for rule — including its quirks — so every number equals the goroutine
//! pages of `go tool trace` to the nanosecond.
//!
//! Times of 0 mean "unset", as in Go: a v1 trace whose first event is at 0 ns gets the same
//! (odd) accounting Go gives it. Arithmetic on times wraps, as Go's `int64` does: a corrupt
//! trace's huge times give Go's numbers rather than a panic.
//!
//! A 200 MB trace has millions of goroutines, so the result is a few flat tables rather than
//! a record with its own allocations per goroutine: fixed-size records, names interned once,
//! and the sparse per-name times (block reasons, ranges) of every group and region, and of
//! the goroutines with more than the two their records hold, in one shared table.
//! [`Goroutine`], [`Group`] and [`Region`] are views into them.

use std::collections::HashMap;
use std::fmt;

use gotv_decode::{
    each_index, EventKind, EventRef, GoId, GoState, Metric, ProcState, ProcTransition, ScopeSlot, StackId, StrId,
    TaskId, Trace, TransitionCursor, NO_PROC, NO_STACK,
};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::chunked::Chunked;
use crate::id_map::IdMap;
use crate::slots::id_ranks;
use record::{NamedTimes, Numbers, Packed, Wide};

mod record;

/// Time by name: (index into [`GoroutineAnalysis::names`], ns).
type Named = (u32, i64);

/// The buckets that are plain numbers; the named ones are kept apart, sparsely.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    exec: i64,
    sched_wait: i64,
    syscall: i64,
    syscall_block: i64,
    total: i64,
}

impl Sums {
    /// Adds `o` (`sign` 1) or takes it back (−1). Wrapping, so that taking back what a
    /// corrupt trace's huge times added restores the sums exactly.
    fn add(&mut self, o: &Sums, sign: i64) {
        let add = |x: &mut i64, v: i64| *x = x.wrapping_add(v.wrapping_mul(sign));
        add(&mut self.exec, o.exec);
        add(&mut self.sched_wait, o.sched_wait);
        add(&mut self.syscall, o.syscall);
        add(&mut self.syscall_block, o.syscall_block);
        add(&mut self.total, o.total);
    }

    fn sub(&self, o: &Sums) -> Sums {
        Sums {
            exec: self.exec.wrapping_sub(o.exec),
            sched_wait: self.sched_wait.wrapping_sub(o.sched_wait),
            syscall: self.syscall.wrapping_sub(o.syscall),
            syscall_block: self.syscall_block.wrapping_sub(o.syscall_block),
            total: self.total.wrapping_sub(o.total),
        }
    }

    /// Go's `UnknownTime`: whatever the non-overlapping buckets leave of the total.
    fn unknown(&self, block: i64) -> i64 {
        let sum = [self.sched_wait, self.syscall, self.syscall_block, block]
            .iter()
            .fold(self.exec, |s, &v| s.wrapping_add(v));
        if sum < self.total {
            self.total.wrapping_sub(sum)
        } else {
            0
        }
    }
}

/// Where a record's named times are in [`GoroutineAnalysis::times`]: `block` entries from
/// `at`, then `range` entries.
#[derive(Debug, Clone, Copy)]
struct Span {
    at: u32,
    block: u32,
    range: u32,
}

impl Span {
    /// Appends `block` then `range` entries to `times`, one by one: in wasm, copying a slice
    /// is a call into the engine (`memory.copy`) that costs more than the copy, millions of
    /// times over.
    fn append(
        times: &mut Vec<Named>,
        block: impl IntoIterator<Item = Named>,
        range: impl IntoIterator<Item = Named>,
    ) -> Span {
        let at = times.len() as u32;
        for e in block {
            times.push(e);
        }
        let block = times.len() as u32 - at;
        for e in range {
            times.push(e);
        }
        Span { at, block, range: times.len() as u32 - at - block }
    }

    /// The block and the range entries.
    fn split(self, times: &[Named]) -> (&[Named], &[Named]) {
        times[self.at as usize..][..(self.block + self.range) as usize].split_at(self.block as usize)
    }
}

#[derive(Debug)]
struct GroupRec {
    name: u32,
    count: usize,
    sums: Sums,
    /// The sum of the members' (not derived from the sums).
    unknown: i64,
    named: Span,
}

#[derive(Debug)]
struct RegionRec {
    /// Index of its goroutine in [`GoroutineAnalysis::recs`].
    g: u32,
    name: u32,
    task: TaskId,
    start: Option<i64>,
    end: Option<i64>,
    begin_stack: StackId,
    sums: Sums,
    named: Span,
}

/// A group's sums as the pass goes. Named times count the members that have them, so that a
/// name none has any more goes, as it would from Go's page.
struct Tally {
    name: u32,
    count: i64,
    sums: Sums,
    unknown: i64,
    /// (name, ns, members).
    block: Vec<(u32, i64, i64)>,
    range: Vec<(u32, i64, i64)>,
}

impl Tally {
    /// The group as the result holds it, its named times (sorted by name) appended to `times`.
    fn finish(mut self, names: &[Box<str>], times: &mut Vec<Named>) -> GroupRec {
        let kept = |v: &mut Vec<(u32, i64, i64)>| {
            v.retain(|e| e.2 != 0);
            v.sort_by(|a, b| names[a.0 as usize].cmp(&names[b.0 as usize]));
        };
        kept(&mut self.block);
        kept(&mut self.range);
        GroupRec {
            name: self.name,
            count: self.count as usize,
            sums: self.sums,
            unknown: self.unknown,
            named: Span::append(times, self.block.iter().map(|e| (e.0, e.1)), self.range.iter().map(|e| (e.0, e.1))),
        }
    }
}

/// The groups' tallies, by name.
#[derive(Default)]
struct Tallies {
    /// Per name: its group's index in `tally`, or `UNSEEN`.
    group_of: Vec<u32>,
    tally: Vec<Tally>,
}

impl Tallies {
    /// Adds a record (`sign` 1) to its group's sums, or takes it back (−1); `times` holds
    /// its named times if they are not in the record.
    fn add(&mut self, g: &Numbers, times: &[Named], sign: i64) {
        let (block, range) = g.named.split(times);
        self.add_split(g, block, range, sign);
    }

    /// [`Tallies::add`] with the record's named times at hand: a goroutine that ends has
    /// them in its live entry.
    fn add_split(&mut self, g: &Numbers, block: &[Named], range: &[Named], sign: i64) {
        if self.group_of.len() <= g.name as usize {
            self.group_of.resize(g.name as usize + 1, UNSEEN);
        }
        let k = &mut self.group_of[g.name as usize];
        if *k == UNSEEN {
            *k = self.tally.len() as u32;
            let (sums, block, range) = (Sums::default(), Vec::new(), Vec::new());
            self.tally.push(Tally { name: g.name, count: 0, sums, unknown: 0, block, range });
        }
        let t = &mut self.tally[*k as usize];
        t.count += sign;
        t.sums.add(&g.sums, sign);
        let unknown = g.sums.unknown(total(block.iter().copied()));
        t.unknown = t.unknown.wrapping_add(unknown.wrapping_mul(sign));
        for &(name, d) in block {
            count_named(&mut t.block, name, d.wrapping_mul(sign), sign);
        }
        for &(name, d) in range {
            count_named(&mut t.range, name, d.wrapping_mul(sign), sign);
        }
    }
}

/// Adds `d` to `name`'s entry, which `members` more (or fewer) members have.
fn count_named(v: &mut Vec<(u32, i64, i64)>, name: u32, d: i64, members: i64) {
    match v.iter_mut().find(|e| e.0 == name) {
        Some(e) => (e.1, e.2) = (e.1.wrapping_add(d), e.2 + members),
        None => v.push((name, d, members)),
    }
}

/// Goroutines created by one `go` statement (one creating stack), for the findings.
#[derive(Debug, Clone)]
pub(crate) struct CreationSite {
    pub stack: StackId,
    pub created: u64,
    /// The most alive at once.
    pub peak: u64,
    pub ended: u64,
    /// Of those that ended.
    pub lifetime_ns: i64,
}

/// What the findings read besides the goroutines' times, gathered in the same pass so that
/// they need none of their own.
#[derive(Debug)]
pub(crate) struct PassStats {
    /// Runnable → running waits: how many, the longest, and how many of up to 2^k ns.
    pub runnable_waits: u64,
    pub runnable_max_ns: i64,
    pub runnable_hist: [u64; 64],
    /// Time Ps spent running, summed over Ps.
    pub proc_busy_ns: i64,
    /// The highest GOMAXPROCS the trace reports (0 if none).
    pub gomaxprocs: u64,
    pub sites: Vec<CreationSite>,
}

/// Go's goroutine analysis. Groups, goroutines and regions are read through views.
#[derive(Debug)]
pub struct GoroutineAnalysis {
    /// Time of the first and last events (what Go calls trace start and end).
    pub trace_start_ns: i64,
    pub trace_end_ns: i64,
    /// Interned names (goroutine names, block reasons, range and region names); 0 is "".
    names: Vec<Box<str>>,
    /// Sorted by ID.
    recs: Chunked<Packed>,
    /// Numbers of the goroutines whose records they do not fit in.
    wides: Vec<Wide>,
    /// Sorted by execution time, largest first, then by name.
    groups: Vec<GroupRec>,
    /// Sorted by goroutine, then by start (unknown starts first).
    regions: Vec<RegionRec>,
    times: Vec<Named>,
    pub(crate) pass: PassStats,
}

impl GoroutineAnalysis {
    /// By ID.
    pub fn goroutines(&self) -> impl ExactSizeIterator<Item = Goroutine<'_>> + DoubleEndedIterator + '_ {
        (0..self.recs.len()).map(|i| self.goroutine_at(i))
    }

    pub fn goroutine(&self, id: GoId) -> Option<Goroutine<'_>> {
        let i = self.recs.partition_point(|r| r.id(&self.wides) < id);
        (i < self.recs.len() && self.recs[i].id(&self.wides) == id).then(|| self.goroutine_at(i))
    }

    /// By name; sorted by execution time, largest first, then by name.
    pub fn groups(&self) -> impl ExactSizeIterator<Item = Group<'_>> + '_ {
        self.groups.iter().map(|g| Group {
            name: &self.names[g.name as usize],
            count: g.count,
            stats: self.stats(&g.sums, NamedTimes::Table(g.named), g.unknown),
        })
    }

    /// Each goroutine's ID, name, first run and end (as in [`Goroutine`]), by ID: a pass over
    /// millions of goroutines that needs no more reads them without building their views.
    pub fn lifetimes(&self) -> impl ExactSizeIterator<Item = (GoId, &str, i64, i64)> + '_ {
        (0..self.recs.len()).map(|i| self.lifetime(i))
    }

    /// The `i`th goroutine's (by ID) item of [`GoroutineAnalysis::lifetimes`].
    pub(crate) fn lifetime(&self, i: usize) -> (GoId, &str, i64, i64) {
        let (id, name, start, end) = self.recs[i].lifetime(&self.wides);
        (id, &self.names[name as usize], start, end)
    }

    /// The members of the group `name`, by ID, with their total time: a pass over millions of
    /// goroutines that compares their names' indexes rather than building their views.
    pub fn members(&self, name: &str) -> impl Iterator<Item = (GoId, i64)> + '_ {
        let k = self.names.iter().position(|n| &**n == name).map(|k| k as u32);
        self.recs.iter().filter(move |r| Some(r.name(&self.wides)) == k).map(|r| {
            let g = r.unpack(&self.wides);
            (g.id, g.sums.total)
        })
    }

    /// Every goroutine's regions with its ID, by goroutine.
    pub fn regions(&self) -> impl Iterator<Item = (GoId, Region<'_>)> + '_ {
        self.regions.iter().map(|r| (self.recs[r.g as usize].id(&self.wides), self.region(r)))
    }

    fn goroutine_at(&self, i: usize) -> Goroutine<'_> {
        let r = self.recs[i].unpack(&self.wides);
        let stats = self.derived_stats(&r.sums, r.named);
        let lo = self.regions.partition_point(|x| (x.g as usize) < i);
        let hi = lo + self.regions[lo..].partition_point(|x| x.g as usize == i);
        Goroutine {
            id: r.id,
            name: &self.names[r.name as usize],
            created_ns: r.created,
            start_ns: r.start,
            end_ns: r.end,
            stats,
            regions: Regions { a: self, recs: &self.regions[lo..hi] },
        }
    }

    fn region(&self, r: &RegionRec) -> Region<'_> {
        let stats = self.derived_stats(&r.sums, NamedTimes::Table(r.named));
        Region {
            name: &self.names[r.name as usize],
            task: r.task,
            start_ns: r.start,
            end_ns: r.end,
            begin_stack: r.begin_stack,
            stats,
        }
    }

    /// The stats of one goroutine or region, whose unknown time follows from the others.
    fn derived_stats(&self, s: &Sums, named: NamedTimes) -> ExecStats<'_> {
        let mut stats = self.stats(s, named, 0);
        stats.unknown_ns = s.unknown(stats.block_ns.total());
        stats
    }

    fn stats(&self, s: &Sums, named: NamedTimes, unknown_ns: i64) -> ExecStats<'_> {
        let names = &self.names[..];
        let (block_ns, range_ns) = match named {
            NamedTimes::Table(span) => {
                let (block, range) = span.split(&self.times);
                (Times::table(names, block), Times::table(names, range))
            }
            NamedTimes::Few { .. } => {
                let (block, range) = named.split(&[]);
                (Times::few(names, block), Times::few(names, range))
            }
        };
        ExecStats {
            exec_ns: s.exec,
            sched_wait_ns: s.sched_wait,
            block_ns,
            syscall_ns: s.syscall,
            syscall_block_ns: s.syscall_block,
            range_ns,
            unknown_ns,
            total_ns: s.total,
        }
    }
}

/// Times by name (block reason, range name). A name is present, possibly with 0, whenever
/// Go's page would show its column. Serialized as an object sorted by name.
#[derive(Clone, Copy)]
pub struct Times<'a> {
    names: &'a [Box<str>],
    /// Entries of the shared table.
    table: &'a [Named],
    /// Or a goroutine's few, copied from its record: `n_few` of them.
    few: [Named; 2],
    n_few: u8,
}

impl<'a> Times<'a> {
    fn table(names: &'a [Box<str>], table: &'a [Named]) -> Times<'a> {
        Times { names, table, few: [(0, 0); 2], n_few: 0 }
    }

    /// A goroutine's few (at most two), copied: the record they were unpacked from is gone.
    fn few(names: &'a [Box<str>], entries: &[Named]) -> Times<'a> {
        let mut few = [(0, 0); 2];
        few[..entries.len()].copy_from_slice(entries);
        Times { names, table: &[], few, n_few: entries.len() as u8 }
    }

    pub fn get(&self, name: &str) -> Option<i64> {
        self.iter().find(|e| e.0 == name).map(|e| e.1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, i64)> + 'a {
        let names = self.names;
        self.entries().map(move |(k, v)| (&*names[k as usize], v))
    }

    fn entries(&self) -> impl Iterator<Item = Named> + 'a {
        self.table.iter().copied().chain(self.few.into_iter().take(usize::from(self.n_few)))
    }

    pub fn total(&self) -> i64 {
        total(self.entries())
    }
}

impl fmt::Debug for Times<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Times<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<(&str, i64)> = self.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut m = s.serialize_map(Some(sorted.len()))?;
        for (k, v) in sorted {
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

/// Non-overlapping time buckets of one goroutine (or one region of it, or a group), plus
/// range times, which overlap them.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ExecStats<'a> {
    pub exec_ns: i64,
    pub sched_wait_ns: i64,
    /// By Go's reason string (`sync`, `chan receive`, `network`, `select`, `sleep`, …).
    pub block_ns: Times<'a>,
    pub syscall_ns: i64,
    pub syscall_block_ns: i64,
    /// Time inside ranges (`GC mark assist`, `GC incremental sweep`, `stop-the-world (…)`).
    pub range_ns: Times<'a>,
    pub unknown_ns: i64,
    pub total_ns: i64,
}

/// A user region as seen by one goroutine. `start_ns`/`end_ns` are absent when the region
/// began before the trace, or had not ended when the goroutine or the trace did.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Region<'a> {
    /// Empty for the synthetic region of a goroutine created inside a region.
    pub name: &'a str,
    pub task: TaskId,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    /// The RegionBegin event's stack (`NO_STACK` for synthetic regions and regions begun
    /// before the trace): Go's regions page groups by its outermost frame.
    #[serde(skip)]
    pub begin_stack: StackId,
    #[serde(flatten)]
    pub stats: ExecStats<'a>,
}

/// One goroutine's regions, sorted by start (unknown starts first).
#[derive(Clone, Copy)]
pub struct Regions<'a> {
    a: &'a GoroutineAnalysis,
    recs: &'a [RegionRec],
}

impl<'a> Regions<'a> {
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Region<'a>> + 'a {
        let a = self.a;
        self.recs.iter().map(move |r| a.region(r))
    }

    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }
}

impl fmt::Debug for Regions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Regions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Goroutine<'a> {
    pub id: GoId,
    /// The outermost function of its first stack; "" if never seen with a stack.
    pub name: &'a str,
    /// Trace clock, ns. For goroutines that existed at trace start: the Sync before their
    /// first event.
    pub created_ns: i64,
    /// First time running; 0 if it never ran.
    pub start_ns: i64,
    /// 0 if it had not ended when the trace did.
    pub end_ns: i64,
    #[serde(flatten)]
    pub stats: ExecStats<'a>,
    pub regions: Regions<'a>,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Group<'a> {
    pub name: &'a str,
    pub count: usize,
    /// Sums over the group's goroutines.
    #[serde(flatten)]
    pub stats: ExecStats<'a>,
}

/// The sum of named times.
fn total(v: impl IntoIterator<Item = Named>) -> i64 {
    v.into_iter().fold(0, |s, e| s.wrapping_add(e.1))
}

/// Adds `d` to `name`'s entry, adding the entry if missing.
fn bump(v: &mut Vec<Named>, name: u32, d: i64) {
    match v.iter_mut().find(|e| e.0 == name) {
        Some(e) => e.1 = e.1.wrapping_add(d),
        None => v.push((name, d)),
    }
}

/// `v − base` over the names of `v` (Go's `sub`).
fn sub_named<'a>(v: &'a [Named], base: &'a [Named]) -> impl Iterator<Item = Named> + 'a {
    let base = move |k: u32| base.iter().find(|e| e.0 == k).map_or(0, |e| e.1);
    v.iter().map(move |&(k, x)| (k, x.wrapping_sub(base(k))))
}

/// A region that has begun: what the goroutine's stats were then.
struct Active {
    name: u32,
    task: TaskId,
    start: i64,
    begin_stack: StackId,
    sums: Sums,
    block: Vec<Named>,
    range: Vec<Named>,
}

/// In-flight state of a goroutine, kept while it lives. Times of 0 mean "not pending".
/// Entries are recycled with their vectors, so memory follows live goroutines.
#[derive(Default)]
struct Pending {
    start: i64,
    runnable: i64,
    block: i64,
    block_reason: u32,
    syscall: i64,
    syscall_block: i64,
    /// While in a syscall: the proc (see [`proc_index`]) + 1 it holds, in
    /// [`Summarizer::syscalling_p`]; else 0.
    syscall_p: u32,
    /// Open ranges: (name, begin).
    open: Vec<Named>,
    regions: Vec<Active>,
    /// Its creation site's index + 1 in [`PassStats::sites`]; 0 if created before the trace.
    site: u32,
}

/// A live goroutine: its numbers, pending state and named times so far (moved to the result's
/// tables when it ends).
#[derive(Default)]
struct Live {
    g: Numbers,
    p: Pending,
    block: Vec<Named>,
    range: Vec<Named>,
}

impl Live {
    /// Empties it for reuse, keeping the vectors' memory.
    fn clear(&mut self) {
        let p = &mut self.p;
        (p.start, p.runnable, p.block, p.block_reason, p.syscall, p.syscall_block) = (0, 0, 0, 0, 0, 0);
        (p.syscall_p, p.site) = (0, 0);
        p.open.clear();
        p.regions.clear();
        self.block.clear();
        self.range.clear();
    }
}

/// Adds the intervals still open at `last` (Go's `snapshotStat`).
fn add_pending(s: &mut Sums, block: &mut Vec<Named>, range: &mut Vec<Named>, created: i64, p: &Pending, last: i64) {
    let since = |t: i64| last.wrapping_sub(t);
    if s.total == 0 {
        s.total = since(created);
    }
    if p.start != 0 {
        s.exec = s.exec.wrapping_add(since(p.start));
    }
    if p.runnable != 0 {
        s.sched_wait = s.sched_wait.wrapping_add(since(p.runnable));
    }
    if p.block != 0 {
        bump(block, p.block_reason, since(p.block));
    }
    if p.syscall != 0 {
        s.syscall = s.syscall.wrapping_add(since(p.syscall));
    }
    // Go's quirk: a syscall still blocked at the end counts as scheduler wait.
    if p.syscall_block != 0 {
        s.sched_wait = s.sched_wait.wrapping_add(since(p.syscall_block));
    }
    for &(name, ts) in &p.open {
        bump(range, name, since(ts));
    }
}

/// Go's `IsSystemGoroutine`.
fn is_system(name: &str) -> bool {
    name.is_empty() || (name != "runtime.main" && name.starts_with("runtime."))
}

/// Per goroutine, while the trace is read: index of its [`Live`] entry, or one of these.
const NOT_MADE: u32 = u32::MAX;
const ENDED: u32 = u32::MAX - 1;

const UNSEEN: u32 = u32::MAX;
/// Flags per interned name.
const SYSTEM: u8 = 1;
const FOREVER: u8 = 2;

struct Summarizer<'a> {
    trace: &'a Trace,
    /// Per goroutine index in the trace: its slot, the rank of its ID.
    slots: Vec<u32>,
    /// Per slot (so in ID order): the result of each goroutine that has ended. Filled as
    /// goroutines end, which is roughly in ID order, rather than all at once up front: that
    /// wrote hundreds of MB on a big trace only to write them again, long out of cache. In
    /// pieces, which fill the memory that decoding left free (236 MB on a big trace).
    recs: Chunked<Packed>,
    wides: Vec<Wide>,
    /// Per goroutine index in the trace (not per slot: the pass reads it for every
    /// transition, and the transition gives the index, so no lookup stands in between).
    state: Vec<u32>,
    live: Vec<Live>,
    /// Unused entries of `live`.
    free: Vec<u32>,
    names: Names,
    /// The groups, summed as goroutines end rather than in a last pass over every record
    /// (hundreds of MB on a big trace, long out of cache). A goroutine's record is counted
    /// exactly while its state is `ENDED`: one reopened, replaced or changed is taken out first.
    groups: Tallies,
    /// Goroutines (by index in the trace) ended with their total still unset: the last
    /// accounting sets it.
    unset_total: Vec<u32>,
    regions: Vec<RegionRec>,
    /// Slots recreated for a reused ID → how many regions there were then: the earlier ones
    /// belonged to the replaced goroutine.
    reborn: IdMap<u32, usize>,
    times: Vec<Named>,
    /// The goroutine in a syscall on each proc (see [`proc_index`]), to see the P taken away
    /// (syscall block): its index in the trace + 1 (0: none). The other side of the binding is
    /// [`Pending::syscall_p`]. Flat, not a map: a server's trace enters and leaves millions of
    /// syscalls, and hashing took a third of the pass.
    syscalling_p: Vec<u32>,
    /// Per proc (see [`proc_index`]): (range name, the index in the trace of the goroutine
    /// running when that P-scoped range began). Lists, not a map keyed by (P, name): a
    /// server's trace sweeps millions of times and hashing was a tenth of the pass. They stay
    /// short, whatever the file holds: the decoder scopes only GC sweeps to a P, so a list has
    /// at most that one name.
    ranges_p: Vec<Vec<(StrId, u32)>>,
    /// Go's syncTs: the latest Sync's time or, while that is 0 (unset), the time of the
    /// first event after it that has one. Found lazily: `sync_scan` is the next event to
    /// look at while `sync_ts` is 0.
    sync_ts: i64,
    sync_scan: usize,
    /// Reasons and GoCreate stacks, read in step with the pass.
    side: TransitionCursor,
    pass: PassStats,
    /// Per stack ID: its creation site's index + 1; 0 until a goroutine is created there.
    site_of_stack: Vec<u32>,
    /// Per proc (see [`proc_index`]): since when it runs.
    proc_running: Vec<Option<i64>>,
}

/// Interned names, with what the pass needs to know of them. Apart from the rest of the
/// pass's state so that a goroutine's live entry can stay borrowed while its block reason or
/// name is interned: each borrow of it again cost a bounds check, tens of millions of times.
struct Names {
    /// 0 is "".
    names: Vec<Box<str>>,
    flags: Vec<u8>,
    by_text: HashMap<Box<str>, u32>,
    /// Per string ID: its name index, or `UNSEEN`.
    by_str: Vec<u32>,
    /// Per stack ID: the name of its outermost frame's function (0: none), or `UNSEEN`.
    outermost: Vec<u32>,
}

impl Names {
    fn new(trace: &Trace) -> Names {
        let mut n = Names {
            names: Vec::new(),
            flags: Vec::new(),
            by_text: HashMap::new(),
            by_str: vec![UNSEEN; trace.strings.len()],
            outermost: vec![UNSEEN; trace.stacks.len()],
        };
        n.intern(trace, 0);
        n
    }

    fn is(&self, name: u32, flag: u8) -> bool {
        self.flags[name as usize] & flag != 0
    }

    /// Inlined as far as the cached answer: a pass asks for millions (a reason per block),
    /// and the call cost more than the lookup.
    #[inline]
    fn intern(&mut self, trace: &Trace, id: StrId) -> u32 {
        match self.by_str.get(id as usize) {
            Some(&k) if k != UNSEEN => k,
            _ => self.intern_new(trace, id),
        }
    }

    #[cold]
    fn intern_new(&mut self, trace: &Trace, id: StrId) -> u32 {
        let text = trace.strings.get(id);
        let k = match self.by_text.get(&*text) {
            Some(&k) => k,
            None => {
                let k = self.names.len() as u32;
                let flags = if is_system(&text) { SYSTEM } else { 0 } | if text == "forever" { FOREVER } else { 0 };
                self.names.push(text.clone().into());
                self.flags.push(flags);
                self.by_text.insert(text.into(), k);
                k
            }
        };
        if let Some(e) = self.by_str.get_mut(id as usize) {
            *e = k;
        }
        k
    }

    /// The name of a stack's outermost frame's function, cached per stack.
    fn outermost(&mut self, trace: &Trace, stack: StackId) -> u32 {
        if let Some(&k) = self.outermost.get(stack as usize).filter(|&&k| k != UNSEEN) {
            return k;
        }
        let k = match trace.stacks.frames(stack).last() {
            Some(f) => self.intern(trace, f.func),
            None => 0,
        };
        if let Some(e) = self.outermost.get_mut(stack as usize) {
            *e = k;
        }
        k
    }
}

/// A proc's index in the per-proc vectors: its index in the trace, or one past the last for
/// events of no proc (which Go keys by proc ID -1).
fn proc_index(trace: &Trace, slot: Option<u32>) -> usize {
    slot.map_or(trace.proc_ids().len(), |s| s as usize)
}

impl Summarizer<'_> {
    /// The slot of the goroutine of index `k` in the trace.
    fn slot(&self, k: usize) -> usize {
        self.slots[k] as usize
    }

    fn sync_ts(&mut self, i: usize) -> i64 {
        while self.sync_ts == 0 && self.sync_scan <= i {
            self.sync_ts = self.trace.time(self.sync_scan);
            self.sync_scan += 1;
        }
        self.sync_ts
    }

    /// Counts a goroutine created with `stack`; its site's index + 1. Inlined as far as a
    /// site seen before, as [`Names::intern`] is.
    #[inline]
    fn site(&mut self, stack: StackId) -> u32 {
        let at = match self.site_of_stack.get(stack as usize) {
            Some(&at) if at != 0 => at,
            _ => self.new_site(stack),
        };
        let c = &mut self.pass.sites[at as usize - 1];
        c.created += 1;
        c.peak = c.peak.max(c.created - c.ended);
        at
    }

    #[cold]
    fn new_site(&mut self, stack: StackId) -> u32 {
        if self.site_of_stack.len() <= stack as usize {
            self.site_of_stack.resize(stack as usize + 1, 0);
        }
        self.pass.sites.push(CreationSite { stack, created: 0, peak: 0, ended: 0, lifetime_ns: 0 });
        let at = self.pass.sites.len() as u32;
        self.site_of_stack[stack as usize] = at;
        at
    }

    /// An ended goroutine that still changes state gets fresh (zero) pending state, as
    /// Go's cleared record does, and its named times back.
    #[cold]
    fn relive(&mut self, k: usize) -> usize {
        let g = self.recs[self.slot(k)].unpack(&self.wides);
        self.groups.add(&g, &self.times, -1);
        let li = self.alloc();
        let l = &mut self.live[li];
        l.g = g;
        let named = std::mem::take(&mut l.g.named);
        let (block, range) = named.split(&self.times);
        l.block.extend_from_slice(block);
        l.range.extend_from_slice(range);
        self.state[k] = li as u32;
        li
    }

    fn alloc(&mut self) -> usize {
        match self.free.pop() {
            Some(li) => li as usize,
            None => {
                self.live.push(Live::default());
                self.live.len() - 1
            }
        }
    }

    /// Makes the record of the goroutine of index `k` in the trace.
    fn create(&mut self, k: usize, id: GoId, created: i64) {
        // A reused ID replaces the old record, as Go's map assignment does.
        let s = self.slot(k);
        match self.state[k] {
            NOT_MADE => {}
            ENDED => {
                let g = self.recs[s].unpack(&self.wides);
                self.groups.add(&g, &self.times, -1);
                self.reborn.insert(s as u32, self.regions.len());
            }
            li => {
                self.live[li as usize].clear();
                self.free.push(li);
                self.reborn.insert(s as u32, self.regions.len());
            }
        }
        let li = self.alloc();
        self.live[li].g = Numbers { id, created, ..Numbers::default() };
        self.state[k] = li as u32;
    }

    /// Ends the goroutine of index `k` in the trace (Go's `finalize`), at `end` if it ended
    /// before the trace did.
    fn end(&mut self, k: usize, last: i64, end: Option<i64>) {
        let s = self.slot(k);
        let li = match self.state[k] {
            ENDED => {
                // Ended before: only its end time, and a total still unset, can change.
                let mut g = self.recs[s].unpack(&self.wides);
                let unset = g.sums.total == 0;
                if end.is_some() || unset {
                    self.groups.add(&g, &self.times, -1);
                    g.end = end.unwrap_or(g.end);
                    if unset {
                        g.sums.total = last.wrapping_sub(g.created);
                    }
                    self.recs[s].store(&g, &mut self.wides);
                    self.groups.add(&g, &self.times, 1);
                }
                return;
            }
            li => li as usize,
        };
        self.state[k] = ENDED;
        let l = &mut self.live[li];
        let g = &mut l.g;
        if let Some(t) = end {
            g.end = t;
        }
        add_pending(&mut g.sums, &mut l.block, &mut l.range, g.created, &l.p, last);
        // System goroutines can inherit a region at creation but are never part of one.
        if !l.p.regions.is_empty() && !self.names.is(g.name, SYSTEM) {
            for r in l.p.regions.drain(..) {
                let named = Span::append(&mut self.times, sub_named(&l.block, &r.block), sub_named(&l.range, &r.range));
                self.regions.push(RegionRec {
                    g: s as u32,
                    name: r.name,
                    task: r.task,
                    start: Some(r.start),
                    end,
                    begin_stack: r.begin_stack,
                    sums: g.sums.sub(&r.sums),
                    named,
                });
            }
        }
        g.named = NamedTimes::keep(&l.block, &l.range, &mut self.times);
        self.recs.grow_to(s + 1, Packed::default());
        self.recs[s].store(g, &mut self.wides);
        // Counted from the live entry, not a copy of its numbers: in wasm, copying them is a
        // call into the engine (`memory.copy`), once per goroutine.
        self.groups.add_split(g, &l.block, &l.range, 1);
        if g.sums.total == 0 {
            self.unset_total.push(k as u32);
        }
        l.clear();
        self.free.push(li as u32);
    }

    /// A goroutine's state change; `g` is its index in the trace.
    ///
    /// The common changes each get their own copy of [`Summarizer::change`] with the states
    /// known: one jump on the pair of states instead of several on each, which a pass
    /// alternating between thousands of goroutines mispredicts.
    fn go_transition(&mut self, ev: EventRef<'_>, g: u32, old: GoState, new: GoState) {
        use GoState::*;
        match (old, new) {
            (Runnable, Running) => self.change(ev, g, Runnable, Running),
            (Running, Waiting) => self.change(ev, g, Running, Waiting),
            (Waiting, Runnable) => self.change(ev, g, Waiting, Runnable),
            (NotExist, Runnable) => self.change(ev, g, NotExist, Runnable),
            (Running, NotExist) => self.change(ev, g, Running, NotExist),
            (Running, Runnable) => self.change(ev, g, Running, Runnable),
            _ => self.change(ev, g, old, new),
        }
    }

    #[inline(always)]
    fn change(&mut self, ev: EventRef<'_>, g: u32, old: GoState, new: GoState) {
        let k = g as usize;
        let id = || self.trace.goroutine_ids()[g as usize];
        let t = ev.time();
        match old {
            GoState::Undetermined => {
                let sync_ts = self.sync_ts(ev.index());
                self.create(k, id(), sync_ts);
                // The time since the Sync is credited to the state the goroutine is found in.
                let d = t.wrapping_sub(sync_ts);
                if new == GoState::Waiting {
                    let reason = self.side.reason(ev);
                    let name = self.names.intern(self.trace, reason);
                    let li = self.state[k] as usize;
                    bump(&mut self.live[li].block, name, d);
                }
                let st = &mut self.live[self.state[k] as usize].g.sums;
                let to = match new {
                    GoState::Running => Some(&mut st.exec),
                    GoState::Runnable => Some(&mut st.sched_wait),
                    GoState::Syscall if ev.proc() == NO_PROC => Some(&mut st.syscall_block),
                    GoState::Syscall => Some(&mut st.syscall),
                    _ => None,
                };
                if let Some(to) = to {
                    *to = to.wrapping_add(d);
                }
            }
            GoState::NotExist => {
                let creator = ev.goroutine_slot();
                let live = creator.map(|c| self.state[c as usize]).filter(|&li| li != NOT_MADE && li != ENDED);
                let inherited = live.and_then(|li| self.live[li as usize].p.regions.last().map(|r| r.task));
                self.create(k, id(), t);
                if creator.is_some() {
                    let site = self.site(ev.stack());
                    let li = self.state[k] as usize;
                    self.live[li].p.site = site;
                }
                if let Some(task) = inherited {
                    let li = self.state[k] as usize;
                    self.live[li].p.regions.push(Active {
                        name: 0,
                        task,
                        start: t,
                        begin_stack: NO_STACK,
                        sums: Sums::default(),
                        block: Vec::new(),
                        range: Vec::new(),
                    });
                }
            }
            _ => {}
        }
        let Some(li) = self.live_of(g) else { return };
        // Borrowed once for the whole change (see `Names`).
        let l = &mut self.live[li];
        let (st, p) = (&mut l.g.sums, &mut l.p);
        match old {
            GoState::Running => {
                st.exec = st.exec.wrapping_add(t.wrapping_sub(p.start));
                p.start = 0;
            }
            GoState::Waiting if p.block != 0 => {
                bump(&mut l.block, p.block_reason, t.wrapping_sub(p.block));
                p.block = 0;
            }
            GoState::Runnable if p.runnable != 0 => {
                let d = t.wrapping_sub(p.runnable);
                st.sched_wait = st.sched_wait.wrapping_add(d);
                p.runnable = 0;
                if new == GoState::Running {
                    let w = &mut self.pass;
                    w.runnable_waits += 1;
                    w.runnable_max_ns = w.runnable_max_ns.max(d);
                    w.runnable_hist[64 - (d.max(1) as u64).leading_zeros() as usize] += 1;
                }
            }
            GoState::Syscall if p.syscall != 0 => {
                let (blocked, ran) = match p.syscall_block {
                    0 => (0, t.wrapping_sub(p.syscall)),
                    b => (t.wrapping_sub(b), b.wrapping_sub(p.syscall)),
                };
                st.syscall_block = st.syscall_block.wrapping_add(blocked);
                st.syscall = st.syscall.wrapping_add(ran);
                p.syscall = 0;
                p.syscall_block = 0;
                if let Some(on) = std::mem::take(&mut p.syscall_p).checked_sub(1) {
                    self.syscalling_p[on as usize] = 0;
                }
            }
            _ => {}
        }
        if l.g.name == 0 {
            let stack = self.side.transition_stack(ev);
            l.g.name = self.names.outermost(self.trace, stack);
        }
        match new {
            GoState::Running => {
                l.p.start = t;
                if l.g.start == 0 {
                    l.g.start = t;
                }
            }
            GoState::Runnable => l.p.runnable = t,
            GoState::Waiting => {
                let reason = self.side.reason(ev);
                let name = self.names.intern(self.trace, reason);
                // Blocked forever is treated as death.
                if self.names.is(name, FOREVER) {
                    self.end(k, t, Some(t));
                } else {
                    (l.p.block, l.p.block_reason) = (t, name);
                }
            }
            GoState::NotExist => {
                let site = std::mem::take(&mut l.p.site);
                if site != 0 {
                    let c = &mut self.pass.sites[site as usize - 1];
                    c.ended += 1;
                    c.lifetime_ns = c.lifetime_ns.wrapping_add(t.wrapping_sub(l.g.created));
                }
                self.end(k, t, Some(t));
            }
            GoState::Syscall => {
                let p = proc_index(self.trace, ev.thread_and_proc_slots().1);
                self.syscalling_p[p] = k as u32 + 1;
                (l.p.syscall, l.p.syscall_p) = (t, p as u32 + 1);
            }
            GoState::Undetermined => {}
        }
    }

    /// The P-scoped ranges open on proc `p` (its index in the trace).
    fn ranges_on(&mut self, p: Option<u32>) -> &mut Vec<(StrId, u32)> {
        &mut self.ranges_p[proc_index(self.trace, p)]
    }

    /// The live entry of the goroutine of index `k` in the trace, if it has a record.
    #[inline]
    fn live_of(&mut self, k: u32) -> Option<usize> {
        match self.state[k as usize] {
            NOT_MADE => None,
            ENDED => Some(self.relive(k as usize)),
            li => Some(li as usize),
        }
    }

    fn range(&mut self, ev: EventRef<'_>) {
        let Some((name_id, scope)) = ev.range_slots() else { return };
        let t = ev.time();
        let name = self.names.intern(self.trace, name_id);
        if ev.kind() == EventKind::RangeEnd {
            let k = match scope {
                ScopeSlot::Goroutine(Some(k)) => k,
                ScopeSlot::Proc(p) => {
                    let open = self.ranges_on(p);
                    match open.iter().position(|e| e.0 == name_id).map(|i| open.swap_remove(i).1) {
                        // Only if it ends on the goroutine it began on.
                        Some(k) if Some(k) == ev.goroutine_slot() => k,
                        _ => return,
                    }
                }
                _ => return,
            };
            let Some(li) = self.live_of(k) else { return };
            let l = &mut self.live[li];
            if let Some(i) = l.p.open.iter().position(|e| e.0 == name && e.1 != 0) {
                let ts = l.p.open.swap_remove(i).1;
                bump(&mut l.range, name, t.wrapping_sub(ts));
            }
            return;
        }
        let k = match scope {
            ScopeSlot::Goroutine(Some(k)) => k,
            ScopeSlot::Proc(p) => {
                let Some(cur) = ev.goroutine_slot() else { return };
                if self.state[cur as usize] != NOT_MADE {
                    let open = self.ranges_on(p);
                    match open.iter_mut().find(|e| e.0 == name_id) {
                        Some(e) => e.1 = cur,
                        None => open.push((name_id, cur)),
                    }
                }
                cur
            }
            _ => return,
        };
        let at = if ev.kind() == EventKind::RangeActive { self.sync_ts(ev.index()) } else { t };
        let Some(li) = self.live_of(k) else { return };
        let l = &mut self.live[li];
        if ev.kind() == EventKind::RangeActive {
            if let Some(&(_, ts)) = l.p.open.iter().find(|e| e.0 == name && e.1 != 0) {
                bump(&mut l.range, name, at.wrapping_sub(ts));
            }
        }
        match l.p.open.iter_mut().find(|e| e.0 == name) {
            Some(e) => e.1 = at,
            None => l.p.open.push((name, at)),
        }
    }

    fn region(&mut self, ev: EventRef<'_>) {
        let Some(info) = ev.region() else { return };
        let t = ev.time();
        let name = self.names.intern(self.trace, info.type_);
        let Some(k) = ev.goroutine_slot() else { return };
        let Some(li) = self.live_of(k) else { return };
        let l = &mut self.live[li];
        let (mut sums, mut block, mut range) = (l.g.sums, l.block.clone(), l.range.clone());
        add_pending(&mut sums, &mut block, &mut range, l.g.created, &l.p, t);
        if ev.kind() == EventKind::RegionBegin {
            let (task, start, begin_stack) = (info.task, t, ev.stack());
            l.p.regions.push(Active { name, task, start, begin_stack, sums, block, range });
            return;
        }
        // An end without a begin: the region started before the trace.
        let begun = l.p.regions.pop();
        let base = |f: fn(&Active) -> &[Named]| begun.as_ref().map_or(&[][..], f);
        let named =
            Span::append(&mut self.times, sub_named(&block, base(|a| &a.block)), sub_named(&range, base(|a| &a.range)));
        let (name, task, start, begin_stack, base_sums) = match &begun {
            Some(a) => (a.name, a.task, Some(a.start), a.begin_stack, a.sums),
            None => (name, info.task, None, NO_STACK, Sums::default()),
        };
        self.regions.push(RegionRec {
            g: self.slot(k as usize) as u32,
            name,
            task,
            start,
            end: Some(t),
            begin_stack,
            sums: sums.sub(&base_sums),
            named,
        });
    }

    /// Event `i`, of kind `kind`: the pass's loop body (see [`Trace::each_event`]).
    #[inline(always)]
    fn event(&mut self, i: usize, kind: EventKind) {
        let trace = self.trace;
        match kind {
            EventKind::StateTransition => {
                let ev = trace.event(i);
                if let Some(g) = ev.go_transition() {
                    if g.from != g.to {
                        self.go_transition(ev, g.slot, g.from, g.to);
                    }
                    return;
                }
                let Some(ProcTransition { slot, from, to }) = ev.proc_transition() else { return };
                let p = proc_index(trace, slot);
                if from != to && to == ProcState::Idle {
                    let in_syscall = std::mem::take(&mut self.syscalling_p[p]).checked_sub(1);
                    if let Some(li) = in_syscall.and_then(|k| self.live_of(k)) {
                        self.live[li].p.syscall_block = ev.time();
                    }
                }
                if to == ProcState::Running && from != ProcState::Running {
                    self.proc_running[p] = Some(ev.time());
                } else if from == ProcState::Running && to != ProcState::Running {
                    let busy = self.proc_running[p].take().map_or(0, |since| ev.time().saturating_sub(since));
                    self.pass.proc_busy_ns = self.pass.proc_busy_ns.saturating_add(busy);
                }
            }
            EventKind::Sync => (self.sync_ts, self.sync_scan) = (0, i),
            EventKind::Metric => {
                if let Some((Metric::Gomaxprocs, n)) = trace.event(i).metric() {
                    self.pass.gomaxprocs = self.pass.gomaxprocs.max(n);
                }
            }
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => self.range(trace.event(i)),
            EventKind::RegionBegin | EventKind::RegionEnd => self.region(trace.event(i)),
            _ => {}
        }
    }
}

/// Go's goroutine analysis over the whole trace.
pub fn goroutines(trace: &Trace) -> GoroutineAnalysis {
    let slots = id_ranks(trace.goroutine_ids());
    let n = slots.len();
    // One more for events of no proc: see `proc_index`.
    let procs = trace.proc_ids().len() + 1;
    let mut s = Summarizer {
        trace,
        slots,
        recs: Chunked::default(),
        wides: Vec::new(),
        state: vec![NOT_MADE; n],
        live: Vec::new(),
        free: Vec::new(),
        names: Names::new(trace),
        groups: Tallies::default(),
        unset_total: Vec::new(),
        regions: Vec::new(),
        reborn: IdMap::default(),
        times: Vec::new(),
        syscalling_p: vec![0; procs],
        ranges_p: vec![Vec::new(); procs],
        sync_ts: 0,
        sync_scan: 0,
        side: TransitionCursor::default(),
        pass: PassStats {
            runnable_waits: 0,
            runnable_max_ns: 0,
            runnable_hist: [0; 64],
            proc_busy_ns: 0,
            gomaxprocs: 0,
            sites: Vec::new(),
        },
        site_of_stack: vec![0; trace.stacks.len()],
        proc_running: vec![None; procs],
    };
    trace.each_event(|i, kind| s.event(i, kind));
    let (trace_start_ns, trace_end_ns) = trace.time_span();
    // The last accounting, of the goroutines still alive and of those whose total is unset;
    // and the slots of IDs that never had a record, to drop.
    let mut holes: Vec<u32> = Vec::new();
    each_index(n, |k| match s.state[k] {
        NOT_MADE => holes.push(s.slot(k) as u32),
        ENDED => {}
        _ => s.end(k, trace_end_ns, None),
    });
    holes.sort_unstable();
    for k in std::mem::take(&mut s.unset_total) {
        s.end(k as usize, trace_end_ns, None);
    }
    // Saturating: a corrupt trace's times can be anything.
    let busy = s
        .proc_running
        .iter()
        .flatten()
        .fold(0i64, |sum, since| sum.saturating_add(trace_end_ns.saturating_sub(*since)));
    s.pass.proc_busy_ns = s.pass.proc_busy_ns.saturating_add(busy);
    let Summarizer {
        mut recs,
        wides,
        names: Names { names, .. },
        regions,
        reborn,
        mut times,
        pass,
        groups: Tallies { tally, .. },
        ..
    } = s;
    // Regions of replaced goroutines go; the others' goroutines are renumbered as the
    // records were.
    let mut regions: Vec<RegionRec> = regions
        .into_iter()
        .enumerate()
        .filter(|(i, r)| reborn.get(&r.g).is_none_or(|&from| *i >= from))
        .map(|(_, mut r)| {
            r.g -= holes.partition_point(|&h| h < r.g) as u32;
            r
        })
        .collect();
    regions.sort_by_key(|r| (r.g, r.start));
    if !holes.is_empty() {
        let (mut kept, mut next_hole) = (0, holes.iter().peekable());
        for slot in 0..recs.len() {
            if next_hole.next_if(|&&h| h as usize == slot).is_none() {
                recs[kept] = recs[slot];
                kept += 1;
            }
        }
        recs.truncate(kept);
    }
    let mut groups: Vec<GroupRec> =
        tally.into_iter().filter(|t| t.count != 0).map(|t| t.finish(&names, &mut times)).collect();
    groups.sort_by(|a, b| {
        b.sums.exec.cmp(&a.sums.exec).then_with(|| names[a.name as usize].cmp(&names[b.name as usize]))
    });
    // It grew by doubling: what it did not fill goes back to the heap for the next stages.
    times.shrink_to_fit();
    GoroutineAnalysis { trace_start_ns, trace_end_ns, names, recs, wides, groups, regions, times, pass }
}
