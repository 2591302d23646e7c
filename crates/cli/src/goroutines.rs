//! `gotv goroutines`: Go's goroutine analysis (the `/goroutines` and `/goroutine?name=`
//! pages of `go tool trace`), as a table or JSON.

use std::fmt::Write;
use std::path::PathBuf;

use gotv_analysis::{ExecStats, GoroutineAnalysis};
use gotv_decode::Trace;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// Only the goroutines of this group (its name; "" for goroutines never seen with a stack).
    #[arg(long)]
    pub group: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// A duration as Go prints it, rounded to 4 significant digits past the unit.
pub fn dur(ns: i64) -> String {
    let a = ns.unsigned_abs() as f64;
    let (v, unit) = match ns.unsigned_abs() {
        0 => return "0s".into(),
        n if n < 1_000 => return format!("{ns}ns"),
        n if n < 1_000_000 => (a / 1e3, "µs"),
        n if n < 1_000_000_000 => (a / 1e6, "ms"),
        _ => (a / 1e9, "s"),
    };
    let sign = if ns < 0 { "-" } else { "" };
    let s = format!("{v:.3}");
    format!("{sign}{}{unit}", s.trim_end_matches('0').trim_end_matches('.'))
}

fn blocked(s: &ExecStats) -> i64 {
    s.block_ns.total() + s.syscall_block_ns
}

pub fn run(trace: &Trace, args: &Args) -> Result<String, String> {
    let mut a = gotv_analysis::goroutines(trace);
    if let Some(name) = &args.group {
        if !a.groups.iter().any(|g| *g.name == **name) {
            return Err(format!("no goroutine group named {name:?}"));
        }
        a.groups.retain(|g| *g.name == **name);
        a.goroutines.retain(|g| *g.name == **name);
    }
    if args.json {
        return serde_json::to_string_pretty(&a).map_err(|e| e.to_string());
    }
    Ok(if args.group.is_some() { members(&a) } else { groups(&a) })
}

fn groups(a: &GoroutineAnalysis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>7} {:>12} {:>12} {:>12} {:>12} {:>12}  GROUP",
        "COUNT", "EXEC", "SCHED WAIT", "BLOCKED", "SYSCALL", "TOTAL"
    );
    for g in &a.groups {
        let s = &g.stats;
        let name = if g.name.is_empty() { "(Inactive, no stack trace sampled)" } else { &g.name };
        let _ = writeln!(
            out,
            "{:>7} {:>12} {:>12} {:>12} {:>12} {:>12}  {name}",
            g.count,
            dur(s.exec_ns),
            dur(s.sched_wait_ns),
            dur(blocked(s)),
            dur(s.syscall_ns),
            dur(s.total_ns)
        );
    }
    out
}

fn members(a: &GoroutineAnalysis) -> String {
    let mut out = String::new();
    let mut gs: Vec<_> = a.goroutines.iter().collect();
    gs.sort_by(|x, y| y.stats.total_ns.cmp(&x.stats.total_ns).then(x.id.cmp(&y.id)));
    for g in gs {
        let s = &g.stats;
        let _ = write!(
            out,
            "G{} total {} exec {} sched wait {} syscall {} syscall block {} unknown {}",
            g.id,
            dur(s.total_ns),
            dur(s.exec_ns),
            dur(s.sched_wait_ns),
            dur(s.syscall_ns),
            dur(s.syscall_block_ns),
            dur(s.unknown_ns)
        );
        for (reason, ns) in s.block_ns.iter().filter(|e| e.1 != 0) {
            let _ = write!(out, " block({reason}) {}", dur(ns));
        }
        for (range, ns) in s.range_ns.iter().filter(|e| e.1 != 0) {
            let _ = write!(out, " [{range}] {}", dur(ns));
        }
        out.push('\n');
    }
    out
}
