//! `gotv events`: the event stream in Go's `-d=parsed` form, or one goroutine's events from
//! creation to end.

use std::path::PathBuf;

use gotv_decode::{EventRef, Trace};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    pub file: PathBuf,
    /// Only events that ran on this goroutine or changed its state.
    #[arg(long)]
    pub goroutine: Option<i64>,
    /// One JSON object per event, one per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Frame<'a> {
    func: std::borrow::Cow<'a, str>,
    file: std::borrow::Cow<'a, str>,
    line: u64,
}

#[derive(Serialize)]
struct Event<'a> {
    index: usize,
    time_ns: i64,
    kind: &'static str,
    thread: i64,
    proc: i64,
    goroutine: i64,
    /// The first line of Go's `Event.String()` (the stack is in `stack`).
    text: String,
    stack: Vec<Frame<'a>>,
}

fn json(ev: EventRef<'_>) -> String {
    let t = ev.trace();
    let e = Event {
        index: ev.index(),
        time_ns: ev.time(),
        kind: ev.kind().name(),
        thread: ev.thread(),
        proc: ev.proc(),
        goroutine: ev.goroutine(),
        text: ev.to_string().lines().next().unwrap_or_default().to_owned(),
        stack: t
            .stacks
            .frames(ev.stack())
            .map(|f| Frame { func: t.strings.get(f.func), file: t.strings.get(f.file), line: f.line })
            .collect(),
    };
    serde_json::to_string(&e).unwrap_or_default()
}

/// Writes the selected events to `out`.
pub fn run(trace: &Trace, args: &Args, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let mut write = |ev: EventRef<'_>| {
        if args.json {
            writeln!(out, "{}", json(ev))
        } else {
            writeln!(out, "{ev}")
        }
    };
    match args.goroutine {
        Some(id) => trace.goroutine_events(id).iter().try_for_each(|&i| write(trace.event(i as usize))),
        None => trace.events().try_for_each(write),
    }
}
