//! `gotv gc`: garbage collection over the trace — cycles with their phases, stop-the-world
//! pauses with their reasons, and (in JSON) the heap and the timeline's counter series.

use std::fmt::Write;
use std::path::PathBuf;

use gotv_analysis::{Counters, GcAnalysis, GcSummary, Span};
use gotv_decode::Trace;
use serde::Serialize;

use crate::goroutines::dur;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// Merge counter points closer than this (ns) into one holding the highest counts; 0 keeps
    /// every change (tens of millions of points, gigabytes of JSON, on a big trace). By
    /// default, the trace's duration / 50,000: as fine as a plot of the whole trace can show.
    #[arg(long, value_parser = clap::value_parser!(i64).range(0..))]
    pub resolution: Option<i64>,
    /// Machine-readable output, with the heap and counter series.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    trace_start_ns: i64,
    trace_end_ns: i64,
    summary: GcSummary,
    #[serde(flatten)]
    gc: GcAnalysis,
    /// Goroutines running, runnable and waiting in GC; Ps running and goroutines in syscalls
    /// (Go's "Threads" row).
    counters: Counters,
}

pub fn run(trace: &Trace, args: &Args) -> Result<String, String> {
    let (start, end) = trace.time_span();
    // Saturating: a corrupt trace's times can be anything.
    let duration = end.saturating_sub(start);
    let gc = gotv_analysis::gc(trace, 0);
    let summary = gc.summary(duration);
    if args.json {
        let resolution = args.resolution.unwrap_or_else(|| gotv_analysis::plot_resolution(duration));
        let counters = gotv_analysis::counters(trace, resolution);
        let r = Report { trace_start_ns: start, trace_end_ns: end, summary, gc, counters };
        return serde_json::to_string_pretty(&r).map_err(|e| e.to_string());
    }
    let s = &summary;
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let mut out = format!(
        "{} GC cycles, {:.1} per second (one every {}); marking {} ({} of the trace); \
         stop-the-world {} in {} pauses ({}), the longest {}\n",
        s.cycles,
        s.per_second,
        dur(s.mean_interval_ns),
        dur(s.mark_ns),
        pct(s.mark_share),
        dur(s.stw_ns),
        s.pauses,
        pct(s.stw_share),
        dur(s.longest_pause_ns)
    );
    let _ = writeln!(out, "heap: peak {} allocated, goal up to {}", mib(s.peak_heap_bytes), mib(s.peak_goal_bytes));
    let at = |ns: i64| dur(ns - start);
    let phase = |p: Option<Span>| p.map_or_else(|| "-".to_owned(), |p| dur(p.duration_ns));
    let _ = writeln!(out, "\nGC cycles (start since the trace start):");
    let _ = writeln!(out, "{:>12} {:>12} {:>12} {:>12} {:>12}", "START", "DURATION", "SWEEP TERM", "MARK", "MARK TERM");
    for c in &gc.cycles {
        let _ = writeln!(
            out,
            "{:>12} {:>12} {:>12} {:>12} {:>12}{}",
            at(c.start_ns),
            dur(c.duration_ns),
            phase(c.sweep_termination),
            dur(c.concurrent_mark.duration_ns),
            phase(c.mark_termination),
            if c.ended { "" } else { "  (not ended)" }
        );
    }
    let _ = writeln!(out, "\nStop-the-world pauses:");
    let _ = writeln!(out, "{:>12} {:>12} {:>10}  REASON", "START", "DURATION", "GOROUTINE");
    for p in &gc.pauses {
        let _ = writeln!(out, "{:>12} {:>12} {:>10}  {}", at(p.start_ns), dur(p.duration_ns), p.goroutine, p.reason);
    }
    Ok(out)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}
