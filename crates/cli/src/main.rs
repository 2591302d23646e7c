//! `gotv`: the analyses of the web page, in a terminal.

mod cpu;
mod diagnose;
mod events;
mod gc;
mod goroutines;
mod mmu;
mod pprof;
mod stats;
mod tasks;

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
    /// Garbage collection: cycles and their phases, stop-the-world pauses, heap and counters.
    Gc(gc::Args),
    /// User annotations: tasks and regions per type with duration histograms, tasks with their
    /// goroutines, logs by category (`go tool trace` /usertasks, /userregions).
    Tasks(tasks::Args),
    /// CPU profile samples recorded in the trace, counted by stack.
    Cpu(cpu::Args),
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

fn written(r: std::io::Result<()>) -> Result<(), String> {
    r.map_err(|e| format!("writing output: {e}"))
}

/// Decodes `file`, runs an analysis command over it and prints what it returns; gives back the
/// file and the decoder's error, if it stopped early, for `run` to report.
fn printed(
    out: &mut impl Write,
    file: PathBuf,
    command: impl FnOnce(&gotv_decode::Trace) -> Result<String, String>,
) -> Result<(PathBuf, Option<gotv_decode::Error>), String> {
    let d = decode(&file)?;
    written(write!(out, "{}", command(&d.trace)?))?;
    Ok((file, d.error))
}

fn run(cli: Cli) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    let (file, stopped) = match cli.command {
        Command::Version { file } => {
            let data = read(&file)?;
            let v = gotv_decode::read_header(&data).map_err(|e| format!("{}: {e}", file.display()))?;
            written(writeln!(out, "{}: {v} trace ({:?} format)", file.display(), v.format()))?;
            (file, None)
        }
        Command::Stats { file, json } => {
            let d = decode(&file)?;
            let s = gotv_analysis::summary(&d.trace);
            if json {
                written(writeln!(out, "{}", serde_json::to_string_pretty(&stats::to_json(&s)).unwrap_or_default()))?;
            } else {
                written(write!(out, "{}", stats::to_text(&s)))?;
            }
            (file, d.error)
        }
        Command::Goroutines(a) => printed(&mut out, a.file.clone(), |t| goroutines::run(t, &a))?,
        Command::Pprof(a) => printed(&mut out, a.file.clone(), |t| pprof::run(t, &a))?,
        Command::Events(a) => {
            let d = decode(&a.file)?;
            written(events::run(&d.trace, &a, &mut out))?;
            (a.file, d.error)
        }
        Command::Diagnose(a) => printed(&mut out, a.file.clone(), |t| diagnose::run(t, &a))?,
        Command::Mmu(a) => printed(&mut out, a.file.clone(), |t| mmu::run(t, &a))?,
        Command::Gc(a) => printed(&mut out, a.file.clone(), |t| gc::run(t, &a))?,
        Command::Tasks(a) => printed(&mut out, a.file.clone(), |t| tasks::run(t, &a))?,
        Command::Cpu(a) => printed(&mut out, a.file.clone(), |t| cpu::run(t, &a))?,
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
