//! What a trace contains at a glance, counted the way Go's reader reports it: the page's
//! header and `gotv stats` show the same numbers.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;

use gotv_decode::{EventKind, GoState, ProcState, Trace, Transition};

pub struct Summary {
    pub format_version: String,
    pub total: u64,
    pub by_kind: BTreeMap<&'static str, u64>,
    pub go_transitions: BTreeMap<String, u64>,
    pub proc_transitions: BTreeMap<String, u64>,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    pub goroutines: usize,
    pub procs: usize,
    pub threads: usize,
    pub gc_cycles: u64,
    pub stw_count: u64,
    pub stw_total_ns: i64,
    pub cpu_samples: u64,
    pub tasks: u64,
    pub regions: u64,
    pub logs: u64,
}

pub fn summary(trace: &Trace) -> Summary {
    let mut kinds = [0u64; EventKind::ALL.len()];
    // By (from, to) state, as the states' numbers.
    let mut go_pairs = [[0u64; 6]; 6];
    let mut proc_pairs = [[0u64; 4]; 4];
    let mut goroutines = Seen::new(trace.goroutine_ids().len());
    let mut procs = Seen::new(trace.proc_ids().len());
    let mut threads = Seen::new(trace.thread_ids().len());
    let (mut gc_cycles, mut stw_count, mut stw_total_ns) = (0, 0, 0i64);
    // Open STW ranges by goroutine: STW is scoped to the goroutine that stopped the world.
    let mut stw_open: HashMap<i64, i64> = HashMap::new();
    trace.each_event(|i, kind| {
        let ev = trace.event(i);
        kinds[kind as usize] += 1;
        goroutines.mark(trace.goroutine_slot(ev.goroutine()));
        let (thread, proc) = ev.thread_and_proc_slots();
        threads.mark(thread);
        procs.mark(proc);
        match ev.transition() {
            Some(Transition::Goroutine { id, from, to }) => {
                goroutines.mark(trace.goroutine_slot(id));
                go_pairs[from as usize][to as usize] += 1;
            }
            Some(Transition::Proc { id, from, to }) => {
                procs.mark(trace.proc_slot(id));
                proc_pairs[from as usize][to as usize] += 1;
            }
            None => {}
        }
        let Some(r) = ev.range() else { return };
        let name = trace.strings.get(r.name);
        if kind == EventKind::RangeBegin && name == "GC concurrent mark phase" {
            gc_cycles += 1;
        }
        if name.starts_with("stop-the-world") {
            match kind {
                EventKind::RangeBegin => {
                    stw_count += 1;
                    stw_open.insert(ev.goroutine(), ev.time());
                }
                EventKind::RangeEnd => {
                    if let Some(start) = stw_open.remove(&ev.goroutine()) {
                        stw_total_ns = stw_total_ns.saturating_add(ev.time().saturating_sub(start));
                    }
                }
                _ => {}
            }
        }
    });
    let by_kind: BTreeMap<&'static str, u64> =
        EventKind::ALL.iter().filter(|&&k| kinds[k as usize] > 0).map(|&k| (k.name(), kinds[k as usize])).collect();
    let go_transitions = by_pair(&GoState::ALL, &go_pairs);
    let proc_transitions = by_pair(&ProcState::ALL, &proc_pairs);
    let count = |k: EventKind| by_kind.get(k.name()).copied().unwrap_or(0);
    Summary {
        format_version: trace.version.map_or_else(|| "unknown".into(), |v| format!("1.{}", v.0)),
        total: trace.len() as u64,
        go_transitions,
        proc_transitions,
        first_ns: (!trace.is_empty()).then(|| trace.time(0)),
        last_ns: trace.len().checked_sub(1).map(|i| trace.time(i)),
        goroutines: goroutines.count(),
        procs: procs.count(),
        threads: threads.count(),
        gc_cycles,
        stw_count,
        stw_total_ns,
        cpu_samples: count(EventKind::StackSample),
        tasks: count(EventKind::TaskBegin),
        regions: count(EventKind::RegionBegin),
        logs: count(EventKind::Log),
        by_kind,
    }
}

/// Which of a trace's goroutines, procs or threads (by their index in the trace) appeared.
struct Seen(Vec<bool>);

impl Seen {
    fn new(n: usize) -> Seen {
        Seen(vec![false; n])
    }

    fn mark(&mut self, slot: Option<u32>) {
        if let Some(seen) = slot.and_then(|s| self.0.get_mut(s as usize)) {
            *seen = true;
        }
    }

    fn count(&self) -> usize {
        self.0.iter().filter(|&&seen| seen).count()
    }
}

/// The counts of state pairs that occurred, named "From->To". `states` are all the states, in
/// the order of their numbers.
fn by_pair<S: Display, const N: usize>(states: &[S; N], counts: &[[u64; N]; N]) -> BTreeMap<String, u64> {
    let mut named = BTreeMap::new();
    for (from, row) in states.iter().zip(counts) {
        for (to, &n) in states.iter().zip(row) {
            if n > 0 {
                named.insert(format!("{from}->{to}"), n);
            }
        }
    }
    named
}

impl Summary {
    pub fn duration_ns(&self) -> i64 {
        match (self.first_ns, self.last_ns) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        }
    }
}
