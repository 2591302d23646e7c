//! What a trace contains at a glance, counted the way Go's reader reports it: the page's
//! header and `gotv stats` show the same numbers.

use std::collections::{BTreeMap, HashMap, HashSet};

use gotv_decode::{EventKind, Trace, Transition};

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
    let mut by_kind: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut go_transitions = BTreeMap::new();
    let mut proc_transitions = BTreeMap::new();
    let mut goroutines = HashSet::new();
    let mut procs = HashSet::new();
    let mut threads = HashSet::new();
    let (mut gc_cycles, mut stw_count, mut stw_total_ns) = (0, 0, 0i64);
    // Open STW ranges by goroutine: STW is scoped to the goroutine that stopped the world.
    let mut stw_open: HashMap<i64, i64> = HashMap::new();
    for ev in trace.events() {
        let kind = ev.kind();
        *by_kind.entry(kind.name()).or_default() += 1;
        for (id, set) in [(ev.goroutine(), &mut goroutines), (ev.proc(), &mut procs), (ev.thread(), &mut threads)] {
            if id != -1 {
                set.insert(id);
            }
        }
        match ev.transition() {
            Some(Transition::Goroutine { id, from, to }) => {
                goroutines.insert(id);
                *go_transitions.entry(format!("{from}->{to}")).or_default() += 1;
            }
            Some(Transition::Proc { id, from, to }) => {
                procs.insert(id);
                *proc_transitions.entry(format!("{from}->{to}")).or_default() += 1;
            }
            None => {}
        }
        if let Some(r) = ev.range() {
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
        }
    }
    let count = |k: EventKind| by_kind.get(k.name()).copied().unwrap_or(0);
    Summary {
        format_version: trace.version.map_or_else(|| "unknown".into(), |v| format!("1.{}", v.0)),
        total: trace.len() as u64,
        go_transitions,
        proc_transitions,
        first_ns: (!trace.is_empty()).then(|| trace.time(0)),
        last_ns: trace.len().checked_sub(1).map(|i| trace.time(i)),
        goroutines: goroutines.len(),
        procs: procs.len(),
        threads: threads.len(),
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

impl Summary {
    pub fn duration_ns(&self) -> i64 {
        match (self.first_ns, self.last_ns) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        }
    }
}
