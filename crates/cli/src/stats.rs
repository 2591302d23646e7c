//! `gotv stats`: what a trace contains, counted the way Go's reader reports it.

use gotv_analysis::Summary;
use serde_json::{json, Value};

pub fn to_json(sum: &Summary) -> Value {
    json!({
        "format_version": sum.format_version,
        "events": {
            "total": sum.total,
            "by_kind": sum.by_kind,
            "state_transitions": {
                "Goroutine": sum.go_transitions,
                "Proc": sum.proc_transitions,
            },
            "first_ns": sum.first_ns,
            "last_ns": sum.last_ns,
            "duration_ns": sum.duration_ns(),
        },
        "goroutines": { "seen": sum.goroutines },
        "procs": { "seen": sum.procs },
        "threads": { "seen": sum.threads },
        "gc": { "cycles": sum.gc_cycles },
        "stw": { "count": sum.stw_count, "total_ns": sum.stw_total_ns },
        "cpu_samples": sum.cpu_samples,
        "user_annotations": { "tasks": sum.tasks, "regions": sum.regions, "logs": sum.logs },
    })
}

pub fn to_text(sum: &Summary) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "format version   go {}", sum.format_version);
    let _ = writeln!(s, "events           {}", sum.total);
    for (k, n) in &sum.by_kind {
        let _ = writeln!(s, "  {k:<16} {n}");
    }
    for (title, map) in [("goroutine transitions", &sum.go_transitions), ("proc transitions", &sum.proc_transitions)] {
        let _ = writeln!(s, "{title}");
        for (k, n) in map {
            let _ = writeln!(s, "  {k:<24} {n}");
        }
    }
    let ns = |v: Option<i64>| v.map_or_else(|| "-".into(), |v| v.to_string());
    let _ = writeln!(s, "first event      {} ns", ns(sum.first_ns));
    let _ = writeln!(s, "last event       {} ns", ns(sum.last_ns));
    let _ = writeln!(s, "duration         {} ns ({:.3} ms)", sum.duration_ns(), sum.duration_ns() as f64 / 1e6);
    let _ = writeln!(s, "goroutines seen  {}", sum.goroutines);
    let _ = writeln!(s, "procs seen       {}", sum.procs);
    let _ = writeln!(s, "threads seen     {}", sum.threads);
    let _ = writeln!(s, "GC cycles        {}", sum.gc_cycles);
    let _ = writeln!(s, "STW              {} ({} ns total)", sum.stw_count, sum.stw_total_ns);
    let _ = writeln!(s, "CPU samples      {}", sum.cpu_samples);
    let _ = writeln!(s, "tasks            {}", sum.tasks);
    let _ = writeln!(s, "regions          {}", sum.regions);
    let _ = writeln!(s, "logs             {}", sum.logs);
    s
}
