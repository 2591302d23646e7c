//! `gotv tasks`: user annotations — tasks and regions per type with their duration statistics
//! and histograms (Go's `/usertasks` and `/userregions`), each task with its goroutines
//! (`/usertask?type=`), and logs by category.

use std::fmt::Write;
use std::path::PathBuf;

use gotv_analysis::{Annotations, TypeStats};
use gotv_decode::Trace;
use serde::Serialize;

use crate::goroutines::dur;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// List the tasks of this type, each with its goroutines (as Go's `/usertask?type=`).
    #[arg(long = "type")]
    pub type_: Option<String>,
    /// Machine-readable output, every task included.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    trace_start_ns: i64,
    trace_end_ns: i64,
    #[serde(flatten)]
    annotations: Annotations,
}

pub fn run(trace: &Trace, args: &Args) -> Result<String, String> {
    let gs = gotv_analysis::goroutines(trace);
    let mut a = gotv_analysis::annotations(trace, &gs);
    if let Some(t) = &args.type_ {
        a.instances.retain(|i| &i.name == t);
        if a.instances.is_empty() {
            return Err(format!("no task of type {t:?}"));
        }
    }
    let (start, end) = (gs.trace_start_ns, gs.trace_end_ns);
    if args.json {
        let r = Report { trace_start_ns: start, trace_end_ns: end, annotations: a };
        return serde_json::to_string_pretty(&r).map_err(|e| e.to_string());
    }
    let mut out = String::new();
    if args.type_.is_some() {
        let _ = writeln!(out, "{:>8} {:>12} {:>12} {:>8}  GOROUTINES", "TASK", "START", "DURATION", "PARENT");
        for t in &a.instances {
            let s = t.start_ns.unwrap_or(start);
            let d = dur(t.end_ns.unwrap_or(end) - s);
            let d = if t.end_ns.is_some() && t.start_ns.is_some() { d } else { format!("{d}+") };
            let parent = t.parent.map_or_else(|| "-".to_owned(), |p| p.to_string());
            let gs: Vec<String> = t.goroutines.iter().map(|g| format!("G{g}")).collect();
            let _ = writeln!(out, "{:>8} {:>12} {:>12} {:>8}  {}", t.id, dur(s - start), d, parent, gs.join(" "));
        }
        return Ok(out);
    }
    table(&mut out, "Tasks (durations of complete ones)", &a.tasks);
    out.push('\n');
    table(&mut out, "Regions (unfinished ones measured to the trace's ends)", &a.regions);
    let _ = writeln!(out, "\nLogs:\n{:>8}  CATEGORY", "COUNT");
    for l in &a.logs {
        let _ = writeln!(out, "{:>8}  {:?}", l.count, l.category);
    }
    Ok(out)
}

fn table(out: &mut String, title: &str, types: &[TypeStats]) {
    let _ = writeln!(out, "{title}:");
    let _ = writeln!(
        out,
        "{:>8} {:>8} {:>11} {:>11} {:>11} {:>11} {:>11}  TYPE",
        "COUNT", "COMPLETE", "MEAN", "P50", "P90", "P99", "MAX"
    );
    for t in types {
        let d = &t.durations;
        let place = t.frame.as_ref().map_or_else(String::new, |f| format!(" ({} {}:{})", f.func, f.file, f.line));
        let _ = writeln!(
            out,
            "{:>8} {:>8} {:>11} {:>11} {:>11} {:>11} {:>11}  {:?}{place}",
            d.count,
            d.complete,
            dur(d.mean_ns),
            dur(d.p50_ns),
            dur(d.p90_ns),
            dur(d.p99_ns),
            dur(d.max_ns),
            t.name
        );
        let buckets: Vec<String> =
            d.histogram.iter().filter(|b| b.1 > 0).map(|b| format!("≥{}: {}", dur(b.0), b.1)).collect();
        if !buckets.is_empty() {
            let _ = writeln!(out, "{:>19}{}", "", buckets.join(", "));
        }
    }
}
