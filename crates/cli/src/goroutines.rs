//! `gotv goroutines`: Go's goroutine analysis (the `/goroutines` and `/goroutine?name=`
//! pages of `go tool trace`), as a table or JSON.

use std::fmt::Write;
use std::path::PathBuf;

use gotv_analysis::{ExecStats, GoroutineAnalysis};
use gotv_decode::Trace;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

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
    let a = gotv_analysis::goroutines(trace);
    let group = args.group.as_deref();
    if let Some(name) = group {
        if !a.groups().any(|g| g.name == name) {
            return Err(format!("no goroutine group named {name:?}"));
        }
    }
    let doc = Doc { a: &a, group };
    if args.json {
        return serde_json::to_string_pretty(&doc).map_err(|e| e.to_string());
    }
    Ok(if group.is_some() { doc.members() } else { doc.groups() })
}

/// The analysis, or only one group of it.
struct Doc<'a> {
    a: &'a GoroutineAnalysis,
    group: Option<&'a str>,
}

/// A sequence serialized as it is produced.
struct Each<F>(F);

impl<F: Fn() -> I, I: Iterator<Item: Serialize>> Serialize for Each<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

impl Serialize for Doc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("GoroutineAnalysis", 4)?;
        m.serialize_field("trace_start_ns", &self.a.trace_start_ns)?;
        m.serialize_field("trace_end_ns", &self.a.trace_end_ns)?;
        m.serialize_field("groups", &Each(|| self.a.groups().filter(|g| self.wants(g.name))))?;
        m.serialize_field("goroutines", &Each(|| self.a.goroutines().filter(|g| self.wants(g.name))))?;
        m.end()
    }
}

impl Doc<'_> {
    fn wants(&self, name: &str) -> bool {
        self.group.is_none_or(|g| g == name)
    }

    fn groups(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>7} {:>12} {:>12} {:>12} {:>12} {:>12}  GROUP",
            "COUNT", "EXEC", "SCHED WAIT", "BLOCKED", "SYSCALL", "TOTAL"
        );
        for g in self.a.groups() {
            let s = &g.stats;
            let name = if g.name.is_empty() { "(Inactive, no stack trace sampled)" } else { g.name };
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

    fn members(&self) -> String {
        let mut out = String::new();
        let mut gs: Vec<_> = self.a.goroutines().filter(|g| self.wants(g.name)).collect();
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
}
