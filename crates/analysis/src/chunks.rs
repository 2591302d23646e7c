//! Passes over the events, chunk by chunk.
//!
//! In a browser, a wasm function first runs as quickly compiled baseline code, and its
//! optimized build serves only the calls made once it is ready: V8 does not swap it into a
//! call already running. A pass over tens of millions of events written as one loop runs
//! wholly in baseline code (the goroutine analysis of a 200 MB trace took a quarter longer so
//! in Node). Here the loop's body runs in a function over one chunk of events, called once
//! per chunk, so all but the first chunks run optimized.

use gotv_decode::{EventKind, Trace};

/// Events per chunk: a few hundred calls on a big trace, each long enough that a call costs
/// nothing.
const CHUNK: usize = 1 << 17;

/// Calls `f` with each event's index and kind, in order.
pub(crate) fn each_event(trace: &Trace, mut f: impl FnMut(usize, EventKind)) {
    let kinds = trace.kinds();
    for start in (0..kinds.len()).step_by(CHUNK) {
        chunk(kinds, start, (start + CHUNK).min(kinds.len()), &mut f);
    }
}

#[inline(never)]
fn chunk(kinds: &[EventKind], start: usize, end: usize, f: &mut impl FnMut(usize, EventKind)) {
    for (i, &kind) in kinds[start..end].iter().enumerate() {
        f(start + i, kind);
    }
}
