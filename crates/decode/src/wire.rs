//! The v2 wire event table (trace-format.md §3.8): argument counts and which arguments are
//! stack or string IDs. Go's reader decodes every header version with the newest table, so
//! one table serves 1.22–1.26.

pub(crate) const EV_EVENT_BATCH: u8 = 1;
pub(crate) const EV_STACKS: u8 = 2;
pub(crate) const EV_STACK: u8 = 3;
pub(crate) const EV_STRINGS: u8 = 4;
pub(crate) const EV_STRING: u8 = 5;
pub(crate) const EV_CPU_SAMPLES: u8 = 6;
pub(crate) const EV_CPU_SAMPLE: u8 = 7;
pub(crate) const EV_FREQUENCY: u8 = 8;
pub(crate) const EV_PROCS_CHANGE: u8 = 9;
pub(crate) const EV_PROC_START: u8 = 10;
pub(crate) const EV_PROC_STOP: u8 = 11;
pub(crate) const EV_PROC_STEAL: u8 = 12;
pub(crate) const EV_PROC_STATUS: u8 = 13;
pub(crate) const EV_GO_CREATE: u8 = 14;
pub(crate) const EV_GO_CREATE_SYSCALL: u8 = 15;
pub(crate) const EV_GO_START: u8 = 16;
pub(crate) const EV_GO_DESTROY: u8 = 17;
pub(crate) const EV_GO_DESTROY_SYSCALL: u8 = 18;
pub(crate) const EV_GO_STOP: u8 = 19;
pub(crate) const EV_GO_BLOCK: u8 = 20;
pub(crate) const EV_GO_UNBLOCK: u8 = 21;
pub(crate) const EV_GO_SYSCALL_BEGIN: u8 = 22;
pub(crate) const EV_GO_SYSCALL_END: u8 = 23;
pub(crate) const EV_GO_SYSCALL_END_BLOCKED: u8 = 24;
pub(crate) const EV_GO_STATUS: u8 = 25;
pub(crate) const EV_STW_BEGIN: u8 = 26;
pub(crate) const EV_STW_END: u8 = 27;
pub(crate) const EV_GC_ACTIVE: u8 = 28;
pub(crate) const EV_GC_BEGIN: u8 = 29;
pub(crate) const EV_GC_END: u8 = 30;
pub(crate) const EV_GC_SWEEP_ACTIVE: u8 = 31;
pub(crate) const EV_GC_SWEEP_BEGIN: u8 = 32;
pub(crate) const EV_GC_SWEEP_END: u8 = 33;
pub(crate) const EV_GC_MARK_ASSIST_ACTIVE: u8 = 34;
pub(crate) const EV_GC_MARK_ASSIST_BEGIN: u8 = 35;
pub(crate) const EV_GC_MARK_ASSIST_END: u8 = 36;
pub(crate) const EV_HEAP_ALLOC: u8 = 37;
pub(crate) const EV_HEAP_GOAL: u8 = 38;
pub(crate) const EV_GO_LABEL: u8 = 39;
pub(crate) const EV_USER_TASK_BEGIN: u8 = 40;
pub(crate) const EV_USER_TASK_END: u8 = 41;
pub(crate) const EV_USER_REGION_BEGIN: u8 = 42;
pub(crate) const EV_USER_REGION_END: u8 = 43;
pub(crate) const EV_USER_LOG: u8 = 44;
pub(crate) const EV_GO_SWITCH: u8 = 45;
pub(crate) const EV_GO_SWITCH_DESTROY: u8 = 46;
pub(crate) const EV_GO_CREATE_BLOCKED: u8 = 47;
pub(crate) const EV_GO_STATUS_STACK: u8 = 48;
pub(crate) const EV_EXPERIMENTAL_BATCH: u8 = 49;
pub(crate) const EV_SYNC: u8 = 50;
pub(crate) const EV_CLOCK_SNAPSHOT: u8 = 51;
pub(crate) const EV_END_OF_GENERATION: u8 = 52;
pub(crate) const EV_FIRST_EXPERIMENTAL: u8 = 128;
pub(crate) const EV_LAST_EXPERIMENTAL: u8 = 136;

/// What the reader needs to know about a timed event type.
pub(crate) struct Spec {
    pub name: &'static str,
    /// Argument names after `dt`, as Go's spec names them.
    pub args: &'static [&'static str],
    /// 0-based positions (after `dt`) of stack IDs; the first is the event's own stack.
    pub stacks: &'static [usize],
    /// 0-based positions (after `dt`) of string IDs.
    pub strings: &'static [usize],
}

const fn s(
    name: &'static str,
    args: &'static [&'static str],
    stacks: &'static [usize],
    strings: &'static [usize],
) -> Option<Spec> {
    Some(Spec { name, args, stacks, strings })
}

/// Specs of timed event types, indexed by type byte. `None` = not a timed event.
/// ClockSnapshot is listed because Go's cursor accepts it as timed (ordering then rejects it).
pub(crate) static TIMED: [Option<Spec>; 137] = TIMED_SPECS;

const TIMED_SPECS: [Option<Spec>; 137] = {
    const NONE: Option<Spec> = None;
    let mut t = [NONE; 137];
    t[9] = s("ProcsChange", &["procs_value", "stack"], &[1], &[]);
    t[10] = s("ProcStart", &["p", "p_seq"], &[], &[]);
    t[11] = s("ProcStop", &[], &[], &[]);
    t[12] = s("ProcSteal", &["p", "p_seq", "m"], &[], &[]);
    t[13] = s("ProcStatus", &["p", "pstatus"], &[], &[]);
    t[14] = s("GoCreate", &["new_g", "new_stack", "stack"], &[2, 1], &[]);
    t[15] = s("GoCreateSyscall", &["new_g"], &[], &[]);
    t[16] = s("GoStart", &["g", "g_seq"], &[], &[]);
    t[17] = s("GoDestroy", &[], &[], &[]);
    t[18] = s("GoDestroySyscall", &[], &[], &[]);
    t[19] = s("GoStop", &["reason_string", "stack"], &[1], &[0]);
    t[20] = s("GoBlock", &["reason_string", "stack"], &[1], &[0]);
    t[21] = s("GoUnblock", &["g", "g_seq", "stack"], &[2], &[]);
    t[22] = s("GoSyscallBegin", &["p_seq", "stack"], &[1], &[]);
    t[23] = s("GoSyscallEnd", &[], &[], &[]);
    t[24] = s("GoSyscallEndBlocked", &[], &[], &[]);
    t[25] = s("GoStatus", &["g", "m", "gstatus"], &[], &[]);
    t[26] = s("STWBegin", &["kind_string", "stack"], &[1], &[0]);
    t[27] = s("STWEnd", &[], &[], &[]);
    t[28] = s("GCActive", &["gc_seq"], &[], &[]);
    t[29] = s("GCBegin", &["gc_seq", "stack"], &[1], &[]);
    t[30] = s("GCEnd", &["gc_seq"], &[], &[]);
    t[31] = s("GCSweepActive", &["p"], &[], &[]);
    t[32] = s("GCSweepBegin", &["stack"], &[0], &[]);
    t[33] = s("GCSweepEnd", &["swept_value", "reclaimed_value"], &[], &[]);
    t[34] = s("GCMarkAssistActive", &["g"], &[], &[]);
    t[35] = s("GCMarkAssistBegin", &["stack"], &[0], &[]);
    t[36] = s("GCMarkAssistEnd", &[], &[], &[]);
    t[37] = s("HeapAlloc", &["heapalloc_value"], &[], &[]);
    t[38] = s("HeapGoal", &["heapgoal_value"], &[], &[]);
    t[39] = s("GoLabel", &["label_string"], &[], &[0]);
    t[40] = s("UserTaskBegin", &["task", "parent_task", "name_string", "stack"], &[3], &[2]);
    t[41] = s("UserTaskEnd", &["task", "stack"], &[1], &[]);
    t[42] = s("UserRegionBegin", &["task", "name_string", "stack"], &[2], &[1]);
    t[43] = s("UserRegionEnd", &["task", "name_string", "stack"], &[2], &[1]);
    t[44] = s("UserLog", &["task", "key_string", "value_string", "stack"], &[3], &[1, 2]);
    t[45] = s("GoSwitch", &["g", "g_seq"], &[], &[]);
    t[46] = s("GoSwitchDestroy", &["g", "g_seq"], &[], &[]);
    t[47] = s("GoCreateBlocked", &["new_g", "new_stack", "stack"], &[2, 1], &[]);
    t[48] = s("GoStatusStack", &["g", "m", "gstatus", "stack"], &[3], &[]);
    t[51] = s("ClockSnapshot", &["mono", "sec", "nsec"], &[], &[]);
    t[128] = s("Span", &["id", "npages_value", "kindclass"], &[], &[]);
    t[129] = s("SpanAlloc", &["id", "npages_value", "kindclass"], &[], &[]);
    t[130] = s("SpanFree", &["id"], &[], &[]);
    t[131] = s("HeapObject", &["id", "type"], &[], &[]);
    t[132] = s("HeapObjectAlloc", &["id", "type"], &[], &[]);
    t[133] = s("HeapObjectFree", &["id"], &[], &[]);
    t[134] = s("GoroutineStack", &["id", "order"], &[], &[]);
    t[135] = s("GoroutineStackAlloc", &["id", "order"], &[], &[]);
    t[136] = s("GoroutineStackFree", &["id"], &[], &[]);
    t
};

pub(crate) fn spec(typ: u8) -> Option<&'static Spec> {
    TIMED.get(usize::from(typ)).and_then(Option::as_ref)
}

/// `Layout::args` of a type that is not a timed event.
pub(crate) const NOT_TIMED: u8 = u8::MAX;
/// No such argument.
pub(crate) const NO_ARG: u8 = u8::MAX;

/// What the per-event loops need of a type's [`Spec`], in four bytes found with one load
/// (the spec itself is a chain of pointers to follow on every event).
#[derive(Clone, Copy)]
pub(crate) struct Layout {
    /// Number of arguments after `dt`, or `NOT_TIMED`.
    pub args: u8,
    /// Position of the event's own stack, then of a second stack argument, or `NO_ARG`.
    pub stacks: [u8; 2],
    /// Bit `i`: argument `i` is a string ID.
    pub strings: u8,
}

pub(crate) static LAYOUT: [Layout; 256] = {
    let mut t = [Layout { args: NOT_TIMED, stacks: [NO_ARG; 2], strings: 0 }; 256];
    let mut i = 0;
    while i < TIMED_SPECS.len() {
        if let Some(s) = &TIMED_SPECS[i] {
            let mut l = Layout { args: s.args.len() as u8, stacks: [NO_ARG; 2], strings: 0 };
            let mut j = 0;
            while j < s.stacks.len() {
                l.stacks[j] = s.stacks[j] as u8;
                j += 1;
            }
            j = 0;
            while j < s.strings.len() {
                l.strings |= 1 << s.strings[j];
                j += 1;
            }
            t[i] = l;
        }
        i += 1;
    }
    t
};

/// Wire goroutine statuses (§3.10).
pub(crate) const GO_RUNNABLE: u64 = 1;
pub(crate) const GO_RUNNING: u64 = 2;
pub(crate) const GO_SYSCALL: u64 = 3;
pub(crate) const GO_WAITING: u64 = 4;

/// Wire proc statuses (§3.10).
pub(crate) const PROC_RUNNING: u64 = 1;
pub(crate) const PROC_IDLE: u64 = 2;
pub(crate) const PROC_SYSCALL: u64 = 3;
pub(crate) const PROC_SYSCALL_ABANDONED: u64 = 4;

pub(crate) fn go_status_name(s: u64) -> &'static str {
    match s {
        GO_RUNNABLE => "Runnable",
        GO_RUNNING => "Running",
        GO_SYSCALL => "Syscall",
        GO_WAITING => "Waiting",
        _ => "Bad",
    }
}

pub(crate) fn proc_status_name(s: u64) -> &'static str {
    match s {
        PROC_RUNNING => "Running",
        PROC_IDLE => "Idle",
        PROC_SYSCALL => "Syscall",
        PROC_SYSCALL_ABANDONED => "SyscallAbandoned",
        _ => "Bad",
    }
}
