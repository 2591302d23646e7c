//! `gotv diagnose`: known performance problems found in the trace, with their numbers and
//! the source line to look at.

use std::fmt::Write;
use std::path::PathBuf;

use gotv_analysis::{Finding, ProfileKind, Vitals};
use gotv_decode::Trace;
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    findings: Vec<Finding>,
    vitals: Vitals,
}

pub fn run(trace: &Trace, args: &Args) -> Result<String, String> {
    let gs = gotv_analysis::goroutines(trace);
    let sync = gotv_analysis::profile(trace, &gs, ProfileKind::Sync);
    // Only its cycles and pauses are read: heap points as far apart as a plot's.
    let span = gs.trace_end_ns.saturating_sub(gs.trace_start_ns);
    let gc = gotv_analysis::gc(trace, gotv_analysis::plot_resolution(span));
    let r = Report {
        findings: gotv_analysis::findings(trace, &gs, &gc, &sync),
        vitals: gotv_analysis::vitals(trace, &gs, &gc),
    };
    if args.json {
        return serde_json::to_string_pretty(&r).map_err(|e| e.to_string());
    }
    if r.findings.is_empty() {
        return Ok("no problems found\n".into());
    }
    let mut out = String::new();
    for f in &r.findings {
        let _ = writeln!(out, "{:>8}  {}: {}", f.severity.name(), f.id, f.message);
        if let Some(l) = &f.location {
            let _ = writeln!(out, "          at {}:{} ({})", l.file, l.line, l.func);
        }
    }
    Ok(out)
}
