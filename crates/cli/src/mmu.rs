//! `gotv mmu`: minimum mutator utilization curve and the worst windows (Go's `/mmu` page,
//! with background GC workers counted correctly).

use std::fmt::Write;
use std::path::PathBuf;

use gotv_analysis::{MmuFlags, Window};
use gotv_decode::Trace;
use serde::Serialize;

use crate::goroutines::dur;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// What takes time from the program: any of stw, background, assist, sweep.
    #[arg(long, value_delimiter = ',', default_value = "stw,background,assist")]
    pub flags: Vec<String>,
    /// One utilisation series per P instead of the fraction of all Ps.
    #[arg(long)]
    pub per_proc: bool,
    /// Window (ns) whose worst instances to list.
    #[arg(long, default_value_t = 10_000_000, value_parser = clap::value_parser!(i64).range(1..))]
    pub window: i64,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    flags: MmuFlags,
    /// (window ns, MMU)
    curve: Vec<(i64, f64)>,
    window_ns: i64,
    worst: Vec<Window>,
}

pub fn run(trace: &Trace, args: &Args) -> Result<String, String> {
    let mut flags = MmuFlags { stw: false, background: false, assist: false, sweep: false, per_proc: args.per_proc };
    for f in &args.flags {
        match f.as_str() {
            "stw" => flags.stw = true,
            "background" => flags.background = true,
            "assist" => flags.assist = true,
            "sweep" => flags.sweep = true,
            "" => {}
            other => return Err(format!("unknown MMU flag {other:?} (stw, background, assist, sweep)")),
        }
    }
    let c = gotv_analysis::mmu_curve(trace, flags);
    let worst = gotv_analysis::worst_windows(&c.series, args.window, 10);
    let r = Report { flags, curve: c.curve, window_ns: args.window, worst };
    if args.json {
        return serde_json::to_string_pretty(&r).map_err(|e| e.to_string());
    }
    let mut out = String::from("  WINDOW     MMU\n");
    for (w, m) in r.curve.iter().step_by(11) {
        let _ = writeln!(out, "{:>8}  {:>5.1}%", dur(*w), m * 100.0);
    }
    let (start, _) = trace.time_span();
    let _ = writeln!(out, "\nLowest mutator utilization in {} windows:", dur(args.window));
    for w in &r.worst {
        let _ = writeln!(out, "  {:>5.1}% at {} since trace start", w.util * 100.0, dur(w.start_ns - start));
    }
    Ok(out)
}
