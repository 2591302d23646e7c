//! One pass over the file: batches, per-P goroutine context, timestamps, tables
//! (trace-format.md §5.1–§5.5). Events are checked here but not kept: the ordering pass
//! reads each P's batches again.

use super::event::{Event, EventType as T};
use super::tables::{StackTable, StringTable};
use super::wire::{Reader, Record};
use super::{malformed, truncated, Minor};
use crate::error::Error;
use crate::hash::IdMap;
use crate::header::HEADER_LEN;

/// A batch's events: `start..end` in the file (records other than a P's events may sit
/// between them), and the batch's clock and sequence number at `start`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    pub start: u32,
    pub end: u32,
    pub ts: i64,
    pub seq: i64,
}

/// A P's clock, goroutine and (1.5/1.6) sequence number as its batches are read: what
/// its events' times and goroutines depend on.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PState {
    pub ts: i64,
    pub g: u64,
    pub seq: i64,
}

pub(super) struct Parsed<'a> {
    pub strings: StringTable<'a>,
    pub stacks: StackTable,
    pub ticks_per_sec: i64,
    pub timer_goroutines: IdMap<u64, ()>,
    /// Each P's batches with events, Ps in order of their first event.
    pub procs: Vec<(i32, Vec<Run>)>,
    /// Number of events in `procs`.
    pub events: usize,
    /// In file order.
    pub cpu_samples: Vec<Sample>,
    /// (start, P) of every run of `procs`, in file order.
    pub batches: Vec<(u32, i32)>,
}

/// A CPU sample: its own time and goroutine.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub ts: i64,
    pub g: u64,
    pub offset: u32,
}

/// Go 1.27 reads P IDs into an int32 where only `^0` ("no P") may be negative; Go 1.21
/// into a 64-bit int, which this narrows to 32 bits (the runtime's P IDs are small).
fn proc_id(pid: u64, minor: Minor, offset: usize) -> Result<i32, Error> {
    let p = if minor < 11 {
        i32::try_from(pid as i64).ok()
    } else if pid == u64::MAX {
        Some(-1)
    } else {
        i32::try_from(pid).ok()
    };
    p.ok_or_else(|| malformed(format!("processor ID {pid} does not fit in 32 bits"), offset))
}

/// Whether records of this type are events of a P's stream. CPU samples are ordered as a
/// stream of their own.
pub(super) fn in_p_stream(kind: T) -> bool {
    !matches!(kind, T::Batch | T::Frequency | T::TimerGoroutine | T::Stack | T::CPUSample)
}

/// The event of record `values` at `offset` in a batch of P `p`, whose state it advances
/// (CPU samples carry their own time, P and goroutine and leave it alone). [`parse`] has
/// checked the values.
#[inline]
pub(super) fn event(kind: T, values: &[u64], p: i32, state: &mut PState, minor: Minor, offset: usize) -> Event {
    let mut ev = Event { ts: 0, g: state.g, args: [0; 4], stack: 0, p, offset: offset as u32, kind };
    let first_arg = if minor < 7 { 2 } else { 1 };
    let delta = values.get(first_arg - 1).copied().unwrap_or(0);
    // Go 1.27 skips CPU samples when it replays a batch, so their deltas do not move
    // the batch clock (Go 1.21's did; samples sit in batches of their own anyway).
    ev.ts = state.ts.wrapping_add(delta as i64);
    if kind != T::CPUSample || minor < 11 {
        state.ts = ev.ts;
    }
    let n = values.len();
    for (i, &v) in values.iter().enumerate().skip(first_arg) {
        if i == n - 1 && kind.has_stack() {
            ev.stack = v as u32;
        } else if let Some(arg) = ev.args.get_mut(i - first_arg) {
            *arg = v;
        }
    }
    match kind {
        T::GoStart | T::GoStartLocal | T::GoStartLabel => {
            state.g = ev.args[0];
            ev.g = state.g;
        }
        T::GoSysExit | T::GoWaiting | T::GoInSyscall => ev.g = ev.args[0],
        // Go 1.21 attributes GC and STW to no goroutine; Go 1.27 keeps the P's one.
        T::GCStart | T::GCDone | T::STWDone if minor < 11 => ev.g = 0,
        T::STWStart if minor < 11 => ev.g = 0,
        T::CPUSample => {
            ev.ts = ev.args[0] as i64;
            ev.p = ev.args[1] as i32;
            ev.g = ev.args[2];
            ev.args[0] = 0;
            return ev;
        }
        _ => {}
    }
    if kind.ends_running_g() {
        state.g = 0;
    }
    if minor < 7 {
        state.seq = state.seq.wrapping_add(values.first().copied().unwrap_or(0) as i64);
    }
    ev
}

pub(super) fn parse(data: &[u8], minor: Minor) -> Result<Parsed<'_>, Error> {
    let mut p = Parser {
        minor,
        out: Parsed {
            strings: StringTable::default(),
            stacks: StackTable::default(),
            ticks_per_sec: 0,
            timer_goroutines: IdMap::default(),
            procs: Vec::new(),
            events: 0,
            cpu_samples: Vec::new(),
            batches: Vec::new(),
        },
        proc_index: IdMap::default(),
        // Before 1.11 events before the first batch belong to P 0.
        cur_p: 0,
        cur_proc: None,
        run: Run { start: HEADER_LEN as u32, end: HEADER_LEN as u32, ts: 0, seq: 0 },
        run_added: false,
        seen_batch: false,
    };
    let mut r = Reader::new(data, HEADER_LEN, minor);
    crate::trace::repeat(|| p.records(&mut r))?;
    let out = p.out;
    if minor < 11 && out.events == 0 && out.cpu_samples.is_empty() {
        return Err(malformed("trace is empty", data.len()));
    }
    if out.ticks_per_sec == 0 {
        return Err(truncated(
            "the event stream: the footer written when tracing stops (Frequency event, stacks) is missing",
            data.len(),
        ));
    }
    Ok(out)
}

/// The first pass's state between records.
struct Parser<'a> {
    minor: Minor,
    out: Parsed<'a>,
    proc_index: IdMap<u64, usize>,
    cur_p: i32,
    cur_proc: Option<usize>,
    /// The current batch's run, until its first event adds it to its P.
    run: Run,
    run_added: bool,
    seen_batch: bool,
}

impl<'a> Parser<'a> {
    /// Reads the next records; `false` at the end of the file. Out of line, for
    /// [`crate::trace::repeat`].
    #[inline(never)]
    fn records(&mut self, r: &mut Reader<'a>) -> Result<bool, Error> {
        for _ in 0..crate::trace::STEP {
            if !self.record(r)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reads the next record; `false` at the end of the file.
    #[inline(always)]
    fn record(&mut self, r: &mut Reader<'a>) -> Result<bool, Error> {
        let minor = self.minor;
        let offset = r.pos();
        let Some(record) = r.next()? else { return Ok(false) };
        let kind = match record {
            Record::String { id, bytes } => {
                self.out.strings.insert(id, bytes, offset)?;
                return Ok(true);
            }
            Record::Event { kind, .. } => kind,
        };
        let values = &r.values;
        if minor >= 11 && !self.seen_batch && kind != T::Batch {
            return Err(malformed(format!("{kind} comes before the first Batch"), offset));
        }
        if let Some(want) = kind.wire_values(minor) {
            if values.len() != want {
                return Err(malformed(
                    format!("{kind} has wrong number of arguments: want {want}, got {}", values.len()),
                    offset,
                ));
            }
        }
        match kind {
            T::Batch => {
                self.seen_batch = true;
                self.cur_p = proc_id(values[0], minor, offset)?;
                self.cur_proc = self.proc_index.get(&(self.cur_p as u64)).copied();
                let seq = if minor < 7 { values[1] as i64 } else { 0 };
                let ts = values[values.len() - 1] as i64;
                self.run = Run { start: r.pos() as u32, end: r.pos() as u32, ts, seq };
                self.run_added = false;
                return Ok(true);
            }
            T::Frequency => {
                self.out.ticks_per_sec = values[0] as i64;
                if self.out.ticks_per_sec <= 0 {
                    // Go reports this as ErrTimeOrder: tick skew between CPUs is the usual cause.
                    return Err(malformed(
                        format!("time stamps out of order: the clock frequency is {}", values[0]),
                        offset,
                    ));
                }
                return Ok(true);
            }
            T::TimerGoroutine => {
                self.out.timer_goroutines.insert(values[0], ());
                return Ok(true);
            }
            T::Stack => {
                self.out.stacks.add(values, minor, offset)?;
                return Ok(true);
            }
            _ => {}
        }
        // Times and goroutines of a P's events depend on those before; the ordering
        // works them out as it reads each P's batches again.
        if kind == T::CPUSample || kind == T::STWStart && minor < 11 {
            let ev = event(kind, values, self.cur_p, &mut PState::default(), minor, offset);
            if kind == T::CPUSample {
                self.out.cpu_samples.push(Sample { ts: ev.ts, g: ev.g, offset: ev.offset });
                return Ok(true);
            }
            if ev.args[0] > 1 {
                return Err(malformed(format!("unknown STW kind {}", ev.args[0]), offset));
            }
        }
        let index = match self.cur_proc {
            Some(i) => i,
            None => {
                let i = self.out.procs.len();
                self.out.procs.push((self.cur_p, Vec::new()));
                self.proc_index.insert(self.cur_p as u64, i);
                self.cur_proc = Some(i);
                i
            }
        };
        self.run.end = r.pos() as u32;
        let runs = &mut self.out.procs[index].1;
        match runs.last_mut() {
            Some(last) if self.run_added => last.end = self.run.end,
            _ => {
                runs.push(self.run);
                self.out.batches.push((self.run.start, self.cur_p));
            }
        }
        self.run_added = true;
        self.out.events += 1;
        Ok(true)
    }
}
