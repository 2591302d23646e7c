//! The old trace format, headers go 1.5 to go 1.21 (trace-format.md §5).
//!
//! The whole file is needed before any event can be returned: the clock frequency and the
//! stack table are in the footer written when tracing stops. [`parse()`] decodes, orders and
//! validates the events as Go's own parsers do: Go 1.21 for 1.5–1.10, and Go 1.27's v1
//! reader (what its conversion to the new event model consumes) for 1.11–1.21.
//! [`decode`] then converts them to gotv's event model as Go 1.27's reader does; Go 1.27
//! refuses 1.5–1.10, which go through the same rules here.
//!
//! Memory: events take 5 bytes on the wire, so nothing of the size of an event may be
//! kept per event while the file is in memory anyway. The first pass (`parse.rs`) checks
//! every record but keeps only the tables and where each P's batches are. The merge
//! (`order.rs`) reads each P's batches again as it takes their events, and keeps a
//! record per event of the ordered stream (`records.rs`: offset, and time and goroutine as
//! differences from the record before, 8 bytes). Validation (`check.rs`) reads each event
//! back from the file through its record, keeping per goroutine only its state, and
//! counts what the model will hold, which is then reserved once. The conversion reads the
//! events back again and gives the records' memory back as it goes: at the peak, memory
//! holds the file, the model and little else.

mod check;
mod convert;
mod event;
mod order;
mod parse;
mod records;
mod tables;
mod wire;

use std::borrow::Cow;

pub use convert::{convert, decode};
pub use event::{Event, EventType};
pub use tables::{Frame, StackTable, StringTable};

use crate::error::{Error, ErrorKind};
use crate::hash::IdMap;
use crate::header::{read_header, Format, Version};
use crate::trace::Expected;
use event::{EventType as T, Rec};
use parse::PState;
use records::Records;
use wire::{Reader, Record};

/// The header's minor version: 5 for `go 1.5 trace`.
type Minor = u32;

// Go's fake Ps (`FakeP + n` in Go's parsers): the ordered stream moves some events there.
/// Goroutine unblocks done by the timer goroutine.
pub const TIMER_P: i32 = 1_000_001;
/// Unblocks of goroutines blocked on the network.
pub const NETPOLL_P: i32 = 1_000_002;
/// Returns from blocking syscalls.
pub const SYSCALL_P: i32 = 1_000_003;
/// GC starts.
pub const GC_P: i32 = 1_000_004;

/// A parsed v1 trace: the ordered stream, whose events are read back from the file on
/// demand. Strings borrow from the file.
pub struct Trace<'a> {
    pub version: Version,
    /// Clock ticks per second, from the footer.
    pub ticks_per_sec: u64,
    pub strings: StringTable<'a>,
    pub stacks: StackTable,
    data: &'a [u8],
    events: Records,
    /// An event's P is that of its batch, but for CPU samples, which name theirs, and the
    /// moves to fake Ps.
    batches: Batches,
    timer_goroutines: IdMap<u64, ()>,
    /// (event, P) for GC starts and network unblocks, which validation moves to fake Ps,
    /// in event order.
    moved_ps: Vec<(u32, i32)>,
    /// (event, stack) for goroutines' first GoStarts, which get the stack their GoCreate
    /// gave, in event order.
    start_stacks: Vec<(u32, u32)>,
    /// The GoSysCalls whose goroutine blocks in the syscall (its next event is a
    /// GoSysBlock), in event order.
    blocked_syscalls: Vec<u32>,
    /// What the model will hold, as validation counts it.
    model: Expected,
    /// Tick of the first event, which is time 0.
    first_tick: i64,
    ns_per_tick: f64,
}

impl<'a> Trace<'a> {
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.len() == 0
    }

    /// The events in order, timestamps in ns since the first event.
    pub fn events(&self) -> impl Iterator<Item = Event> + '_ {
        self.read_all(self.events.iter())
    }

    /// The events of `recs`, the ordered stream or what is left of it.
    fn read_all<'t>(&'t self, recs: impl Iterator<Item = Rec> + 't) -> impl Iterator<Item = Event> + 't {
        let mut r = Reader::new(self.data, 0, self.version.0);
        let mut starts = self.start_stacks.iter().peekable();
        let mut moves = self.moved_ps.iter().peekable();
        recs.enumerate().map(move |(i, rec)| {
            let mut ev = self.read(&rec, &mut r);
            if let Some((_, p)) = moves.next_if(|&&(at, _)| at as usize == i) {
                ev.p = *p;
            }
            // Go drops references to stacks that are missing or empty.
            let known = match starts.next_if(|&&(at, _)| at as usize == i) {
                Some(&(_, start)) => {
                    ev.stack = start;
                    self.stacks.contains(start)
                }
                None => self.stacks.in_file(ev.stack),
            };
            if !known {
                ev.stack = 0;
            }
            ev
        })
    }

    /// Event `rec` as ordered, read back from its record: its stack as written, its P
    /// before validation moves it. The record was read before; were it not an event now,
    /// its type would be `None`, which conversion rejects.
    #[inline]
    fn read(&self, rec: &Rec, r: &mut Reader<'a>) -> Event {
        r.seek(rec.offset as usize);
        let kind = match r.next() {
            Ok(Some(Record::Event { kind, .. })) => kind,
            _ => T::None,
        };
        let p = self.batches.p(rec.offset);
        let mut ev = parse::event(kind, &r.values, p, &mut PState::default(), self.version.0, rec.offset as usize);
        ev.kind = kind.normal();
        ev.ts = (rec.ts.wrapping_sub(self.first_tick) as f64 * self.ns_per_tick) as i64;
        ev.g = rec.g;
        // Timer unblocks and syscall exits move to their fake Ps.
        match ev.kind {
            T::GoUnblock if self.timer_goroutines.contains_key(&ev.g) => ev.p = TIMER_P,
            T::GoSysExit => ev.p = SYSCALL_P,
            _ => {}
        }
        ev
    }

    /// A string-table entry as text (Go strings may hold invalid UTF-8).
    pub fn string(&self, id: u64) -> Cow<'a, str> {
        String::from_utf8_lossy(self.strings.get(id))
    }

    /// A UserLog event's message, which v1 writes inline.
    pub fn log_message(&self, ev: &Event) -> Cow<'a, str> {
        String::from_utf8_lossy(self.log_bytes(ev))
    }

    fn log_bytes(&self, ev: &Event) -> &'a [u8] {
        match Reader::new(self.data, ev.offset as usize, self.version.0).next() {
            Ok(Some(Record::Event { log_value, .. })) => log_value,
            _ => &[],
        }
    }

    /// The frames of stack `id`, innermost first.
    pub fn stack(&self, id: u32) -> impl ExactSizeIterator<Item = &Frame> + '_ {
        self.stacks.frames(id)
    }
}

/// Where each batch starts, and its P.
struct Batches {
    /// (start, P), in file order.
    starts: Vec<(u32, i32)>,
    /// For each page of the file, the last batch starting at or before it: an event's
    /// batch is then a step or two away (batches are 64 KB when the runtime is busy).
    pages: Vec<u32>,
}

const PAGE_BITS: u32 = 12;

impl Batches {
    fn new(starts: Vec<(u32, i32)>, file_len: usize) -> Batches {
        let mut b = 0;
        let pages = (0..=file_len >> PAGE_BITS)
            .map(|page| {
                b = Self::last_at_or_before(&starts, b, (page << PAGE_BITS) as u32);
                b as u32
            })
            .collect();
        Batches { starts, pages }
    }

    fn last_at_or_before(starts: &[(u32, i32)], mut b: usize, offset: u32) -> usize {
        while starts.get(b + 1).is_some_and(|&(start, _)| start <= offset) {
            b += 1;
        }
        b
    }

    /// The P of the batch holding `offset`.
    fn p(&self, offset: u32) -> i32 {
        let b = self.pages.get((offset >> PAGE_BITS) as usize).copied().unwrap_or(0) as usize;
        self.starts.get(Self::last_at_or_before(&self.starts, b, offset)).map_or(0, |&(_, p)| p)
    }
}

fn malformed(what: impl Into<String>, offset: usize) -> Error {
    Error::new(ErrorKind::Malformed { what: what.into() }, offset as u64)
}

fn truncated(what: &'static str, offset: usize) -> Error {
    Error::new(ErrorKind::Truncated { what }, offset as u64)
}

/// Parses a whole v1 trace file, header included.
pub fn parse(data: &[u8]) -> Result<Trace<'_>, Error> {
    let version = read_header(data)?;
    if version.format() != Format::V1 {
        return Err(malformed(format!("{version} is not an old-format (v1) trace"), 0));
    }
    // Event offsets are stored in 32 bits.
    if data.len() > u32::MAX as usize {
        return Err(malformed("v1 traces over 4 GiB are not supported", u32::MAX as usize));
    }
    let minor = version.0;
    let mut parsed = parse::parse(data, minor)?;
    let ticks_per_sec = parsed.ticks_per_sec;
    let (strings, stacks) = (std::mem::take(&mut parsed.strings), std::mem::take(&mut parsed.stacks));
    let batches = Batches::new(std::mem::take(&mut parsed.batches), data.len());
    let timer_goroutines = std::mem::take(&mut parsed.timer_goroutines);
    let events = if minor < 7 {
        order::order_by_seq(data, minor, parsed)?
    } else {
        order::order_by_goroutine(data, minor, parsed)?
    };
    let mut trace = Trace {
        version,
        ticks_per_sec: ticks_per_sec as u64,
        strings,
        stacks,
        data,
        first_tick: events.first().map_or(0, |rec| rec.ts),
        ns_per_tick: 1e9 / ticks_per_sec as f64,
        events,
        batches,
        timer_goroutines,
        moved_ps: Vec::new(),
        start_stacks: Vec::new(),
        blocked_syscalls: Vec::new(),
        model: Expected::default(),
    };
    if minor < 11 {
        check::remove_futile(&mut trace);
    }
    check::post_process(&mut trace)?;
    Ok(trace)
}
