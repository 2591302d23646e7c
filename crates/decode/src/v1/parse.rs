//! One pass over the file: batches, per-P goroutine context, timestamps, tables
//! (trace-format.md §5.1–§5.5).

use std::collections::HashMap;
use std::ops::Range;

use super::event::{Event, EventType as T};
use super::tables::{StackTable, StringTable};
use super::wire::{Reader, Record};
use super::{malformed, truncated, Minor};
use crate::error::Error;
use crate::hash::IdMap;
use crate::header::HEADER_LEN;

pub(super) struct Parsed<'a> {
    pub strings: StringTable<'a>,
    pub inline_strings: Vec<&'a [u8]>,
    pub stacks: StackTable,
    pub ticks_per_sec: i64,
    pub timer_goroutines: IdMap<u64, ()>,
    /// Timed events in file order; CPU samples excluded.
    pub events: Vec<Event>,
    /// Each P's events as ranges of `events`, Ps in order of their first event: one range
    /// per run of consecutive batches of the P.
    pub procs: Vec<Vec<Range<u32>>>,
    /// 1.5/1.6: the global sequence number of each event.
    pub seqs: Vec<i64>,
    pub cpu_samples: Vec<Event>,
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

pub(super) fn parse(data: &[u8], minor: Minor) -> Result<Parsed<'_>, Error> {
    let mut out = Parsed {
        strings: StringTable::default(),
        inline_strings: Vec::new(),
        stacks: StackTable::default(),
        ticks_per_sec: 0,
        timer_goroutines: IdMap::default(),
        events: Vec::new(),
        procs: Vec::new(),
        seqs: Vec::new(),
        cpu_samples: Vec::new(),
    };
    let mut inline_ids: HashMap<&[u8], u64> = HashMap::new();
    let mut proc_index: IdMap<u64, usize> = IdMap::default();
    let mut last_gs: IdMap<u64, u64> = IdMap::default();
    let (mut cur_p, mut cur_proc): (i32, Option<usize>) = (0, None);
    let (mut last_ts, mut last_seq, mut last_g) = (0i64, 0i64, 0u64);
    let mut seen_batch = false;

    let mut r = Reader::new(data, HEADER_LEN, minor);
    loop {
        let offset = r.pos();
        let Some(record) = r.next()? else { break };
        let (kind, log_value) = match record {
            Record::String { id, bytes } => {
                out.strings.insert(id, bytes, offset)?;
                continue;
            }
            Record::Event { kind, log_value } => (kind, log_value),
        };
        let values = &r.values;
        if minor >= 11 && !seen_batch && kind != T::Batch {
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
                seen_batch = true;
                last_gs.insert(cur_p as u64, last_g);
                cur_p = proc_id(values[0], minor, offset)?;
                cur_proc = proc_index.get(&(cur_p as u64)).copied();
                last_g = last_gs.get(&(cur_p as u64)).copied().unwrap_or(0);
                if minor < 7 {
                    last_seq = values[1] as i64;
                }
                last_ts = values[values.len() - 1] as i64;
                continue;
            }
            T::Frequency => {
                out.ticks_per_sec = values[0] as i64;
                if out.ticks_per_sec <= 0 {
                    // Go reports this as ErrTimeOrder: tick skew between CPUs is the usual cause.
                    return Err(malformed(
                        format!("time stamps out of order: the clock frequency is {}", values[0]),
                        offset,
                    ));
                }
                continue;
            }
            T::TimerGoroutine => {
                out.timer_goroutines.insert(values[0], ());
                continue;
            }
            T::Stack => {
                out.stacks.add(values, minor, offset)?;
                continue;
            }
            _ => {}
        }

        let mut ev = Event { ts: 0, g: last_g, args: [0; 4], stack: 0, p: cur_p, offset: offset as u32, kind };
        let first_arg = if minor < 7 { 2 } else { 1 };
        let delta = values[first_arg - 1] as i64;
        // Go 1.27 skips CPU samples when it replays a batch, so their deltas do not move
        // the batch clock (Go 1.21's did; samples sit in batches of their own anyway).
        ev.ts = last_ts.wrapping_add(delta);
        if kind != T::CPUSample || minor < 11 {
            last_ts = ev.ts;
        }
        let n = values.len();
        for (i, &v) in values.iter().enumerate().skip(first_arg) {
            if i == n - 1 && kind.has_stack() {
                ev.stack = v as u32;
            } else {
                ev.args[i - first_arg] = v;
            }
        }
        match kind {
            T::GoStart | T::GoStartLocal | T::GoStartLabel => {
                last_g = ev.args[0];
                ev.g = last_g;
            }
            T::GoSysExit | T::GoWaiting | T::GoInSyscall => ev.g = ev.args[0],
            // Go 1.21 attributes GC and STW to no goroutine; Go 1.27 keeps the P's one.
            T::GCStart | T::GCDone | T::STWDone if minor < 11 => ev.g = 0,
            T::STWStart if minor < 11 => {
                ev.g = 0;
                if ev.args[0] > 1 {
                    return Err(malformed(format!("unknown STW kind {}", ev.args[0]), offset));
                }
            }
            T::UserLog => {
                let next = out.inline_strings.len() as u64;
                ev.args[3] = *inline_ids.entry(log_value).or_insert_with(|| {
                    out.inline_strings.push(log_value);
                    next
                });
            }
            T::CPUSample => {
                ev.ts = ev.args[0] as i64;
                ev.p = ev.args[1] as i32;
                ev.g = ev.args[2];
                ev.args[0] = 0;
                out.cpu_samples.push(ev);
                continue;
            }
            _ => {}
        }
        if kind.ends_running_g() {
            last_g = 0;
        }
        if minor < 7 {
            last_seq = last_seq.wrapping_add(values[0] as i64);
            out.seqs.push(last_seq);
        }
        let index = match cur_proc {
            Some(i) => i,
            None => {
                let i = out.procs.len();
                out.procs.push(Vec::new());
                proc_index.insert(cur_p as u64, i);
                cur_proc = Some(i);
                i
            }
        };
        let at = out.events.len() as u32;
        match out.procs[index].last_mut() {
            Some(run) if run.end == at => run.end += 1,
            _ => out.procs[index].push(at..at + 1),
        }
        out.events.push(ev);
    }

    if minor < 11 && out.events.is_empty() && out.cpu_samples.is_empty() {
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
