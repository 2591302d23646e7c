//! `gotv stats`: what a trace contains, counted the way Go's reader reports it.

use std::collections::{BTreeMap, HashMap, HashSet};

use gotv_decode::{EventKind, Trace, Transition};
use serde_json::{json, Value};

pub struct Stats {
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

pub fn compute(trace: &Trace) -> Stats {
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
    Stats {
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

impl Stats {
    pub fn duration_ns(&self) -> i64 {
        match (self.first_ns, self.last_ns) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "format_version": self.format_version,
            "events": {
                "total": self.total,
                "by_kind": self.by_kind,
                "state_transitions": {
                    "Goroutine": self.go_transitions,
                    "Proc": self.proc_transitions,
                },
                "first_ns": self.first_ns,
                "last_ns": self.last_ns,
                "duration_ns": self.duration_ns(),
            },
            "goroutines": { "seen": self.goroutines },
            "procs": { "seen": self.procs },
            "threads": { "seen": self.threads },
            "gc": { "cycles": self.gc_cycles },
            "stw": { "count": self.stw_count, "total_ns": self.stw_total_ns },
            "cpu_samples": self.cpu_samples,
            "user_annotations": { "tasks": self.tasks, "regions": self.regions, "logs": self.logs },
        })
    }

    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "format version   go {}", self.format_version);
        let _ = writeln!(s, "events           {}", self.total);
        for (k, n) in &self.by_kind {
            let _ = writeln!(s, "  {k:<16} {n}");
        }
        for (title, map) in
            [("goroutine transitions", &self.go_transitions), ("proc transitions", &self.proc_transitions)]
        {
            let _ = writeln!(s, "{title}");
            for (k, n) in map {
                let _ = writeln!(s, "  {k:<24} {n}");
            }
        }
        let ns = |v: Option<i64>| v.map_or_else(|| "-".into(), |v| v.to_string());
        let _ = writeln!(s, "first event      {} ns", ns(self.first_ns));
        let _ = writeln!(s, "last event       {} ns", ns(self.last_ns));
        let _ = writeln!(s, "duration         {} ns ({:.3} ms)", self.duration_ns(), self.duration_ns() as f64 / 1e6);
        let _ = writeln!(s, "goroutines seen  {}", self.goroutines);
        let _ = writeln!(s, "procs seen       {}", self.procs);
        let _ = writeln!(s, "threads seen     {}", self.threads);
        let _ = writeln!(s, "GC cycles        {}", self.gc_cycles);
        let _ = writeln!(s, "STW              {} ({} ns total)", self.stw_count, self.stw_total_ns);
        let _ = writeln!(s, "CPU samples      {}", self.cpu_samples);
        let _ = writeln!(s, "tasks            {}", self.tasks);
        let _ = writeln!(s, "regions          {}", self.regions);
        let _ = writeln!(s, "logs             {}", self.logs);
        s
    }
}
