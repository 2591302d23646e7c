//! `gotv`: the analyses of the web page, in a terminal.

mod diagnose;
mod events;
mod goroutines;
mod mmu;
mod pprof;
mod stats;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "gotv", version, about = "Go execution-trace analyzer")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the trace's format version.
    Version { file: PathBuf },
    /// Summarize what the trace contains.
    Stats {
        file: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Goroutines grouped by start function, with time by state (`go tool trace` /goroutines).
    Goroutines(goroutines::Args),
    /// A blocking profile (net, sync, syscall or sched), as `go tool trace -pprof=KIND`.
    Pprof(pprof::Args),
    /// Print every event as Go's `Event.String()` does (`go tool trace -d=parsed` form).
    Events(events::Args),
    /// Find known performance problems: unbounded goroutines, lock contention, GC pressure…
    Diagnose(diagnose::Args),
    /// Minimum mutator utilization: how much of each window the program got to run, GC aside.
    Mmu(mmu::Args),
}

fn read(file: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))
}

/// Decodes a file. A trace that breaks part-way still yields what came before the break: the
/// commands print that, and then fail with the decoder's error (see `run`).
fn decode(file: &PathBuf) -> Result<gotv_decode::Decoded, String> {
    let data = read(file)?;
    let d = gotv_decode::decode(&data);
    match &d.error {
        Some(e) if d.trace.is_empty() => Err(format!("{}: {e}", file.display())),
        _ => Ok(d),
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    let w = |r: std::io::Result<()>| r.map_err(|e| format!("writing output: {e}"));
    let (file, stopped) = match cli.command {
        Command::Version { file } => {
            let data = read(&file)?;
            let v = gotv_decode::read_header(&data).map_err(|e| format!("{}: {e}", file.display()))?;
            w(writeln!(out, "{}: {v} trace ({:?} format)", file.display(), v.format()))?;
            (file, None)
        }
        Command::Stats { file, json } => {
            let d = decode(&file)?;
            let s = gotv_analysis::summary(&d.trace);
            if json {
                w(writeln!(out, "{}", serde_json::to_string_pretty(&stats::to_json(&s)).unwrap_or_default()))?;
            } else {
                w(write!(out, "{}", stats::to_text(&s)))?;
            }
            (file, d.error)
        }
        Command::Goroutines(a) => {
            let d = decode(&a.file)?;
            w(write!(out, "{}", goroutines::run(&d.trace, &a)?))?;
            (a.file, d.error)
        }
        Command::Pprof(a) => {
            let d = decode(&a.file)?;
            w(write!(out, "{}", pprof::run(&d.trace, &a)?))?;
            (a.file, d.error)
        }
        Command::Events(a) => {
            let d = decode(&a.file)?;
            w(events::run(&d.trace, &a, &mut out))?;
            (a.file, d.error)
        }
        Command::Diagnose(a) => {
            let d = decode(&a.file)?;
            w(write!(out, "{}", diagnose::run(&d.trace, &a)?))?;
            (a.file, d.error)
        }
        Command::Mmu(a) => {
            let d = decode(&a.file)?;
            w(write!(out, "{}", mmu::run(&d.trace, &a)?))?;
            (a.file, d.error)
        }
    };
    match stopped {
        Some(e) => {
            Err(format!("{}: decoding stopped early: {e}; the output covers the events before it", file.display()))
        }
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = std::io::stdout().flush();
            eprintln!("gotv: {e}");
            ExitCode::FAILURE
        }
    }
}
