//! The old trace format, headers go 1.5 to go 1.21 (trace-format.md §5).
//!
//! The whole file is needed before any event can be returned: the clock frequency and the
//! stack table are in the footer written when tracing stops. [`parse`] decodes, orders and
//! validates the events as Go's own parsers do: Go 1.21 for 1.5–1.10, and Go 1.27's v1
//! reader (what its conversion to the new event model consumes) for 1.11–1.21.
//! [`decode`] then converts them to gotv's event model as Go 1.27's reader does; Go 1.27
//! refuses 1.5–1.10, which go through the same rules here.

mod check;
mod convert;
mod event;
mod order;
mod parse;
mod tables;
mod wire;

use std::borrow::Cow;

pub use convert::{convert, decode};
pub use event::{Event, EventType};
pub use tables::{Frame, StackTable, StringTable};

use crate::error::{Error, ErrorKind};
use crate::header::{read_header, Format, Version};

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

/// A parsed v1 trace. Strings borrow from the file.
pub struct Trace<'a> {
    pub version: Version,
    /// In order, timestamps in ns since the first event.
    pub events: Vec<Event>,
    /// Clock ticks per second, from the footer.
    pub ticks_per_sec: u64,
    pub strings: StringTable<'a>,
    /// UserLog messages, which v1 writes inline (indexed by the event's `args[3]`).
    pub inline_strings: Vec<&'a [u8]>,
    pub stacks: StackTable,
}

impl<'a> Trace<'a> {
    /// A string-table entry as text (Go strings may hold invalid UTF-8).
    pub fn string(&self, id: u64) -> Cow<'a, str> {
        String::from_utf8_lossy(self.strings.get(id))
    }

    /// A UserLog event's message.
    pub fn log_message(&self, ev: &Event) -> Cow<'a, str> {
        let bytes = self.inline_strings.get(ev.args[3] as usize).copied().unwrap_or(&[]);
        String::from_utf8_lossy(bytes)
    }

    /// The frames of stack `id`, innermost first.
    pub fn stack(&self, id: u32) -> impl ExactSizeIterator<Item = &Frame> + '_ {
        self.stacks.frames(id)
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
    let events = std::mem::take(&mut parsed.events);
    let mut events = if minor < 7 {
        order::order_by_seq(events, std::mem::take(&mut parsed.seqs))?
    } else {
        order::order_by_goroutine(events, std::mem::take(&mut parsed.procs), std::mem::take(&mut parsed.cpu_samples))?
    };

    if let Some(first) = events.first() {
        let min = first.ts;
        let ns_per_tick = 1e9 / parsed.ticks_per_sec as f64;
        for ev in &mut events {
            ev.ts = (ev.ts.wrapping_sub(min) as f64 * ns_per_tick) as i64;
            if ev.kind == EventType::GoUnblock && parsed.timer_goroutines.contains_key(&ev.g) {
                ev.p = TIMER_P;
            }
            if ev.kind == EventType::GoSysExit {
                ev.p = SYSCALL_P;
            }
        }
    }
    if minor < 11 {
        check::remove_futile(&mut events);
    }
    check::post_process(&mut events, minor, &mut parsed.stacks)?;
    Ok(Trace {
        version,
        events,
        ticks_per_sec: parsed.ticks_per_sec as u64,
        strings: parsed.strings,
        inline_strings: parsed.inline_strings,
        stacks: parsed.stacks,
    })
}
