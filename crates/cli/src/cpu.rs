//! `gotv cpu`: the CPU profile samples recorded in the trace (when the program also ran
//! `pprof.StartCPUProfile`), counted by stack.

use std::fmt::Write;
use std::path::PathBuf;

use gotv_analysis::CpuStack;
use gotv_decode::Trace;
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// Machine-readable output, every stack included.
    #[arg(long)]
    pub json: bool,
}

/// Stacks listed in the human output; JSON holds them all.
const SHOWN: usize = 20;

#[derive(Serialize)]
struct Report {
    samples: u64,
    stacks: Vec<CpuStack>,
}

pub fn run(trace: &Trace, args: &Args) -> Result<String, String> {
    let stacks = gotv_analysis::cpu_samples(trace);
    let samples = stacks.iter().map(|s| s.samples).sum();
    let r = Report { samples, stacks };
    if args.json {
        return serde_json::to_string_pretty(&r).map_err(|e| e.to_string());
    }
    if r.samples == 0 {
        return Ok("no CPU samples (the program did not run the CPU profiler while tracing)\n".into());
    }
    let mut out = format!("{} CPU samples in {} stacks\n", r.samples, r.stacks.len());
    for s in r.stacks.iter().take(SHOWN) {
        let share = s.samples as f64 * 100.0 / r.samples as f64;
        let _ = writeln!(out, "\n{} samples ({share:.1}%)", s.samples);
        if s.stack.is_empty() {
            out.push_str("    (no stack)\n");
        }
        for f in &s.stack {
            let _ = writeln!(out, "    {} {}:{}", f.func, f.file, f.line);
        }
    }
    Ok(out)
}
