//! The format-neutral event model: what Go 1.27's `internal/trace` yields, whatever the wire
//! format was. IDs use Go's conventions: -1 means none (NoThread, NoProc, NoGoroutine).

use std::fmt;

pub type ThreadId = i64;
pub type ProcId = i64;
pub type GoId = i64;
pub type TaskId = u64;

pub const NO_THREAD: ThreadId = -1;
pub const NO_PROC: ProcId = -1;
pub const NO_GOROUTINE: GoId = -1;
/// `^0`: no task. Task 0 is the background task.
pub const NO_TASK: TaskId = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EventKind {
    Sync,
    Metric,
    Label,
    StackSample,
    RangeBegin,
    RangeActive,
    RangeEnd,
    TaskBegin,
    TaskEnd,
    RegionBegin,
    RegionEnd,
    Log,
    StateTransition,
    Experimental,
}

impl EventKind {
    pub const ALL: [EventKind; 14] = [
        EventKind::Sync,
        EventKind::Metric,
        EventKind::Label,
        EventKind::StackSample,
        EventKind::RangeBegin,
        EventKind::RangeActive,
        EventKind::RangeEnd,
        EventKind::TaskBegin,
        EventKind::TaskEnd,
        EventKind::RegionBegin,
        EventKind::RegionEnd,
        EventKind::Log,
        EventKind::StateTransition,
        EventKind::Experimental,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Sync => "Sync",
            EventKind::Metric => "Metric",
            EventKind::Label => "Label",
            EventKind::StackSample => "StackSample",
            EventKind::RangeBegin => "RangeBegin",
            EventKind::RangeActive => "RangeActive",
            EventKind::RangeEnd => "RangeEnd",
            EventKind::TaskBegin => "TaskBegin",
            EventKind::TaskEnd => "TaskEnd",
            EventKind::RegionBegin => "RegionBegin",
            EventKind::RegionEnd => "RegionEnd",
            EventKind::Log => "Log",
            EventKind::StateTransition => "StateTransition",
            EventKind::Experimental => "Experimental",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum GoState {
    Undetermined,
    NotExist,
    Runnable,
    Running,
    Waiting,
    Syscall,
}

impl GoState {
    pub const ALL: [GoState; 6] = [
        GoState::Undetermined,
        GoState::NotExist,
        GoState::Runnable,
        GoState::Running,
        GoState::Waiting,
        GoState::Syscall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GoState::Undetermined => "Undetermined",
            GoState::NotExist => "NotExist",
            GoState::Runnable => "Runnable",
            GoState::Running => "Running",
            GoState::Waiting => "Waiting",
            GoState::Syscall => "Syscall",
        }
    }

    /// Running and Syscall: the goroutine is bound to a thread.
    pub fn executing(self) -> bool {
        matches!(self, GoState::Running | GoState::Syscall)
    }

    pub(crate) const fn from_u8(v: u8) -> GoState {
        match v {
            1 => GoState::NotExist,
            2 => GoState::Runnable,
            3 => GoState::Running,
            4 => GoState::Waiting,
            5 => GoState::Syscall,
            _ => GoState::Undetermined,
        }
    }
}

impl fmt::Display for GoState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum ProcState {
    Undetermined,
    NotExist,
    Running,
    Idle,
}

impl ProcState {
    pub const ALL: [ProcState; 4] = [ProcState::Undetermined, ProcState::NotExist, ProcState::Running, ProcState::Idle];

    pub fn name(self) -> &'static str {
        match self {
            ProcState::Undetermined => "Undetermined",
            ProcState::NotExist => "NotExist",
            ProcState::Running => "Running",
            ProcState::Idle => "Idle",
        }
    }

    pub(crate) fn from_u8(v: u8) -> ProcState {
        match v {
            1 => ProcState::NotExist,
            2 => ProcState::Running,
            3 => ProcState::Idle,
            _ => ProcState::Undetermined,
        }
    }
}

impl fmt::Display for ProcState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a range, label or state transition is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    None,
    Goroutine(GoId),
    Proc(ProcId),
    Thread(ThreadId),
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::None => f.write_str("None"),
            Resource::Goroutine(id) => write!(f, "Goroutine({id})"),
            Resource::Proc(id) => write!(f, "Proc({id})"),
            Resource::Thread(id) => write!(f, "Thread({id})"),
        }
    }
}

/// The two state machines a transition can belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    Goroutine { id: GoId, from: GoState, to: GoState },
    Proc { id: ProcId, from: ProcState, to: ProcState },
}

/// The metrics Go's reader names (runtime/metrics style).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Metric {
    Gomaxprocs,
    HeapObjects,
    HeapGoal,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Gomaxprocs => "/sched/gomaxprocs:threads",
            Metric::HeapObjects => "/memory/classes/heap/objects:bytes",
            Metric::HeapGoal => "/gc/heap/goal:bytes",
        }
    }
}

/// Trace-clock, monotonic and wall clock read at one instant (Go 1.25+ traces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSnapshot {
    /// Trace time in ns.
    pub trace: i64,
    /// OS monotonic clock in ns.
    pub mono: u64,
    /// Wall clock: Unix seconds and nanoseconds.
    pub wall_sec: i64,
    pub wall_nsec: i64,
}

/// Experiment-specific data the reader does not interpret (e.g. AllocFree type tables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentalBatch {
    pub experiment: u8,
    pub thread: ThreadId,
    pub data: Vec<u8>,
}

/// One resolved stack frame. Frame 0 of a stack is the leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame {
    pub pc: u64,
    pub func: crate::StrId,
    pub file: crate::StrId,
    pub line: u64,
}
