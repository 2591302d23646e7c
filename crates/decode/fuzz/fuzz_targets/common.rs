//! Shared by the targets: touch every lazy path of a decoded trace.

use gotv_decode::{Decoded, NO_STACK};

/// Walks the result the way the UI does (events, stacks, strings, indexes) and returns
/// its rendering: one `Display` line per event, then the error if any.
pub fn touch(d: &Decoded) -> String {
    let t = &d.trace;
    let mut out = String::new();
    let mut n = 0u64;
    for ev in t.events() {
        out.push_str(&ev.to_string());
        out.push('\n');
        for stack in [ev.stack(), ev.transition_stack()] {
            if stack != NO_STACK {
                for f in t.stacks.frames(stack) {
                    n = n.wrapping_add(f.pc ^ f.line);
                    n = n.wrapping_add(t.strings.get(f.func).len() as u64);
                    n = n.wrapping_add(t.strings.bytes(f.file).len() as u64);
                }
            }
        }
        n = n.wrapping_add(t.strings.get(ev.reason()).len() as u64);
        n = n.wrapping_add(ev.thread() as u64 ^ ev.proc() as u64 ^ ev.goroutine() as u64);
    }
    for &g in t.goroutine_ids() {
        n = n.wrapping_add(t.goroutine_events(g).len() as u64);
        n = n.wrapping_add(t.goroutine_transitions(g).len() as u64);
    }
    for &p in t.proc_ids() {
        n = n.wrapping_add(t.proc_events(p).len() as u64);
    }
    // Times increase strictly except where Go's `lastTs + 1` wraps at i64::MAX (we keep
    // Go's times), so only check that the search stays in bounds.
    for t0 in [t.times().next(), t.times().last(), Some(0), Some(i64::MIN), Some(i64::MAX)].into_iter().flatten() {
        assert!(t.first_at_or_after(t0) <= t.len());
    }
    n = n.wrapping_add(t.heap_bytes() as u64);
    std::hint::black_box(n);
    if let Some(e) = &d.error {
        out.push_str(&format!("error: {e}\n"));
    }
    out
}
