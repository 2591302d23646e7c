//! `gotv pprof`: the blocking profiles of `go tool trace -pprof=…`, as a gzipped pprof
//! file, JSON, or a summary of the heaviest stacks.

use std::io::Write;
use std::path::PathBuf;

use gotv_analysis::{ProfileKind, ProfileSample};
use gotv_decode::Trace;

use crate::goroutines::dur;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// net, sync, syscall or sched.
    #[arg(long, value_parser = ["net", "sync", "syscall", "sched"])]
    pub kind: String,
    /// Write a gzipped profile.proto here (for `go tool pprof`).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command; returns what to print.
pub fn run(trace: &Trace, args: &Args) -> Result<String, String> {
    let kind = ProfileKind::from_name(&args.kind).ok_or_else(|| format!("unknown profile kind {:?}", args.kind))?;
    let gs = gotv_analysis::goroutines(trace);
    let p = gotv_analysis::profile(trace, &gs, kind);
    if let Some(path) = &args.output {
        let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut z = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        z.write_all(&gotv_analysis::encode_pprof(&p))
            .and_then(|()| z.finish().map(drop))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if args.json {
        return serde_json::to_string_pretty(&p).map_err(|e| e.to_string());
    }
    if args.output.is_some() {
        return Ok(String::new());
    }
    let mut out = format!(
        "{} profile: {} stacks, {} intervals, {} total\n",
        kind.name(),
        p.samples.len(),
        p.total_count(),
        dur(p.total_delay_ns())
    );
    for s in p.samples.iter().take(20) {
        out.push_str(&sample(s));
    }
    Ok(out)
}

fn sample(s: &ProfileSample) -> String {
    let mut out = format!("\n{} in {} intervals\n", dur(s.delay_ns), s.count);
    if s.stack.is_empty() {
        out.push_str("    (no stack)\n");
    }
    for f in &s.stack {
        out.push_str(&format!("    {} {}:{}\n", f.func, f.file, f.line));
    }
    out
}
