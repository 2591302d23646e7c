//! v1 event types, their wire arities per header version, and the compact ordered event.

use super::Minor;

/// A v1 event type, numbered as on the wire (trace-format.md §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventType {
    None = 0,
    Batch = 1,
    Frequency = 2,
    Stack = 3,
    Gomaxprocs = 4,
    ProcStart = 5,
    ProcStop = 6,
    GCStart = 7,
    GCDone = 8,
    STWStart = 9,
    STWDone = 10,
    GCSweepStart = 11,
    GCSweepDone = 12,
    GoCreate = 13,
    GoStart = 14,
    GoEnd = 15,
    GoStop = 16,
    GoSched = 17,
    GoPreempt = 18,
    GoSleep = 19,
    GoBlock = 20,
    GoUnblock = 21,
    GoBlockSend = 22,
    GoBlockRecv = 23,
    GoBlockSelect = 24,
    GoBlockSync = 25,
    GoBlockCond = 26,
    GoBlockNet = 27,
    GoSysCall = 28,
    GoSysExit = 29,
    GoSysBlock = 30,
    GoWaiting = 31,
    GoInSyscall = 32,
    HeapAlloc = 33,
    HeapGoal = 34,
    TimerGoroutine = 35,
    FutileWakeup = 36,
    String = 37,
    GoStartLocal = 38,
    GoUnblockLocal = 39,
    GoSysExitLocal = 40,
    GoStartLabel = 41,
    GoBlockGC = 42,
    GCMarkAssistStart = 43,
    GCMarkAssistDone = 44,
    UserTaskCreate = 45,
    UserTaskEnd = 46,
    UserRegion = 47,
    UserLog = 48,
    CPUSample = 49,
}

struct Desc {
    ty: EventType,
    name: &'static str,
    since: Minor,
    /// Arguments after the timestamp, excluding the stack ID, in the newest layout.
    args: u8,
    stack: bool,
}

const fn d(ty: EventType, name: &'static str, since: Minor, args: u8, stack: bool) -> Desc {
    Desc { ty, name, since, args, stack }
}

use EventType as T;
static DESCS: [Desc; 50] = [
    d(T::None, "None", 5, 0, false),
    d(T::Batch, "Batch", 5, 2, false),
    d(T::Frequency, "Frequency", 5, 1, false),
    d(T::Stack, "Stack", 5, 2, false),
    d(T::Gomaxprocs, "Gomaxprocs", 5, 1, true),
    d(T::ProcStart, "ProcStart", 5, 1, false),
    d(T::ProcStop, "ProcStop", 5, 0, false),
    d(T::GCStart, "GCStart", 5, 1, true),
    d(T::GCDone, "GCDone", 5, 0, false),
    d(T::STWStart, "STWStart", 5, 1, false),
    d(T::STWDone, "STWDone", 5, 0, false),
    d(T::GCSweepStart, "GCSweepStart", 5, 0, true),
    d(T::GCSweepDone, "GCSweepDone", 5, 2, false),
    d(T::GoCreate, "GoCreate", 5, 2, true),
    d(T::GoStart, "GoStart", 5, 2, false),
    d(T::GoEnd, "GoEnd", 5, 0, false),
    d(T::GoStop, "GoStop", 5, 0, true),
    d(T::GoSched, "GoSched", 5, 0, true),
    d(T::GoPreempt, "GoPreempt", 5, 0, true),
    d(T::GoSleep, "GoSleep", 5, 0, true),
    d(T::GoBlock, "GoBlock", 5, 0, true),
    d(T::GoUnblock, "GoUnblock", 5, 2, true),
    d(T::GoBlockSend, "GoBlockSend", 5, 0, true),
    d(T::GoBlockRecv, "GoBlockRecv", 5, 0, true),
    d(T::GoBlockSelect, "GoBlockSelect", 5, 0, true),
    d(T::GoBlockSync, "GoBlockSync", 5, 0, true),
    d(T::GoBlockCond, "GoBlockCond", 5, 0, true),
    d(T::GoBlockNet, "GoBlockNet", 5, 0, true),
    d(T::GoSysCall, "GoSysCall", 5, 0, true),
    d(T::GoSysExit, "GoSysExit", 5, 3, false),
    d(T::GoSysBlock, "GoSysBlock", 5, 0, false),
    d(T::GoWaiting, "GoWaiting", 5, 1, false),
    d(T::GoInSyscall, "GoInSyscall", 5, 1, false),
    d(T::HeapAlloc, "HeapAlloc", 5, 1, false),
    d(T::HeapGoal, "HeapGoal", 5, 1, false),
    d(T::TimerGoroutine, "TimerGoroutine", 5, 1, false),
    d(T::FutileWakeup, "FutileWakeup", 5, 0, false),
    d(T::String, "String", 7, 0, false),
    d(T::GoStartLocal, "GoStartLocal", 7, 1, false),
    d(T::GoUnblockLocal, "GoUnblockLocal", 7, 1, true),
    d(T::GoSysExitLocal, "GoSysExitLocal", 7, 2, false),
    d(T::GoStartLabel, "GoStartLabel", 8, 3, false),
    d(T::GoBlockGC, "GoBlockGC", 8, 0, true),
    d(T::GCMarkAssistStart, "GCMarkAssistStart", 9, 0, true),
    d(T::GCMarkAssistDone, "GCMarkAssistDone", 9, 0, false),
    d(T::UserTaskCreate, "UserTaskCreate", 11, 3, true),
    d(T::UserTaskEnd, "UserTaskEnd", 11, 1, true),
    d(T::UserRegion, "UserRegion", 11, 3, true),
    d(T::UserLog, "UserLog", 11, 2, true),
    d(T::CPUSample, "CPUSample", 19, 3, true),
];

impl EventType {
    /// The type for a wire number, if `minor` defines it.
    pub fn from_wire(typ: u8, minor: Minor) -> Option<EventType> {
        let desc = DESCS.get(usize::from(typ))?;
        (desc.ty != T::None && desc.since <= minor).then_some(desc.ty)
    }

    /// Go's name for the type (as Go 1.21's `EventDescriptions`).
    pub fn name(self) -> &'static str {
        DESCS[self as usize].name
    }

    /// Whether the last wire value is a stack ID.
    pub fn has_stack(self) -> bool {
        DESCS[self as usize].stack
    }

    /// Number of wire values the event must carry in this version, as Go's `argNum`:
    /// sequence delta (1.5), timestamp delta, arguments, stack ID. `None` for `Stack`,
    /// whose length depends on its frame count.
    pub(super) fn wire_values(self, minor: Minor) -> Option<usize> {
        let desc = &DESCS[self as usize];
        let mut n = usize::from(desc.args) + usize::from(desc.stack);
        match self {
            T::Stack => return None,
            // Batch also had a sequence number in 1.5; Frequency and TimerGoroutine an
            // unused value.
            T::Batch | T::Frequency | T::TimerGoroutine => return Some(n + usize::from(minor < 7)),
            T::GCSweepDone if minor < 9 => n -= 2,
            T::GCStart | T::GoStart | T::GoUnblock if minor < 7 => n -= 1,
            T::STWStart if minor < 10 => n -= 1,
            _ => {}
        }
        Some(n + 1 + usize::from(minor < 7))
    }

    /// The type the ordered stream reports: the *Local forms only exist to order events.
    pub(super) fn normal(self) -> EventType {
        match self {
            T::GoStartLocal => T::GoStart,
            T::GoUnblockLocal => T::GoUnblock,
            T::GoSysExitLocal => T::GoSysExit,
            k => k,
        }
    }

    /// Events after which the P runs no goroutine (trace-format.md §5.4).
    pub(super) fn ends_running_g(self) -> bool {
        matches!(
            self,
            T::GoEnd
                | T::GoStop
                | T::GoSched
                | T::GoPreempt
                | T::GoSleep
                | T::GoBlock
                | T::GoBlockSend
                | T::GoBlockRecv
                | T::GoBlockSelect
                | T::GoBlockSync
                | T::GoBlockCond
                | T::GoBlockNet
                | T::GoSysBlock
                | T::GoBlockGC
        )
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One event of the ordered stream, as read back from the file (see `Rec`).
///
/// `g` and `p` are the context the parser attributes the event to (§5.4): G 0 is none,
/// P -1 is the runtime's "no P" batch, and Go's fake Ps are substituted after ordering (timer unblocks, network unblocks, syscall exits, GC).
/// `args` are the type's arguments in Go's order (e.g. GoUnblock: g, seq).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Nanoseconds since the first event (ticks while parsing).
    pub ts: i64,
    pub g: u64,
    pub args: [u64; 4],
    /// 0 = no stack. Always present in [`super::Trace::stack`].
    pub stack: u32,
    pub p: i32,
    /// Byte offset of the event in the file.
    pub offset: u32,
    pub kind: EventType,
}

/// An event as kept between the passes over the ordered stream: only what cannot be read
/// again from its record in the file without replaying its P's batches (its P is that of
/// the batch holding it, see [`super::Trace`]). Stored delta-encoded (`records.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Rec {
    /// Ticks, as in the file.
    pub ts: i64,
    pub offset: u32,
    pub g: u64,
}
