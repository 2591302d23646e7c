//! What the ordering hands on to the reporter, in the order Go's reader yields it. On a big
//! trace the two run on different threads and every event crosses between them, so events
//! travel as a few words each (the header, time, context and only the arguments they
//! have) rather than as fixed rows three times as wide.

use crate::order::{BaseEvent, Ctx};
use crate::stacks::StackId;

/// Header word: the event type in the low byte, then how many arguments follow, then
/// flags; the event's own stack (already resolved) in the high half.
const ARGS_SHIFT: u32 = 8;
const HAS_EXTRA: u64 = 1 << 11;
const CPU_SAMPLE: u64 = 1 << 12;

#[derive(Debug, Default)]
pub(crate) struct Taken {
    words: Vec<u64>,
}

/// One item read back.
pub(crate) enum Item {
    Event {
        ctx: Ctx,
        ev: BaseEvent,
        stack: StackId,
    },
    /// `stack` is the generation's table ID.
    CpuSample {
        time: i64,
        ctx: (i64, i64, i64),
        stack: u64,
    },
}

impl Taken {
    pub(crate) fn with_capacity(words: usize) -> Taken {
        Taken { words: Vec::with_capacity(words) }
    }

    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.words.clear()
    }

    #[inline]
    pub(crate) fn push_event(&mut self, ctx: Ctx, ev: &BaseEvent, stack: StackId) {
        let args = ev.args.iter().rposition(|&a| a != 0).map_or(0, |i| i + 1);
        let extra = ev.extra != [0, 0];
        let head = u64::from(ev.typ)
            | (args as u64) << ARGS_SHIFT
            | if extra { HAS_EXTRA } else { 0 }
            | u64::from(stack) << 32;
        self.words.extend_from_slice(&[head, ev.time as u64, ctx.m as u64, ctx.p as u64, ctx.g as u64]);
        // All four arguments, then the unused ones dropped: a copy of variable length would
        // be a call to `memcpy` per event.
        self.words.extend_from_slice(&ev.args);
        self.words.truncate(self.words.len() - (ev.args.len() - args));
        if extra {
            self.words.extend_from_slice(&ev.extra);
        }
    }

    pub(crate) fn push_cpu_sample(&mut self, time: i64, (m, p, g): (i64, i64, i64), stack: u64) {
        self.words.extend_from_slice(&[CPU_SAMPLE, time as u64, m as u64, p as u64, g as u64, stack]);
    }

    pub(crate) fn items(&self) -> impl Iterator<Item = Item> + '_ {
        let mut w = &self.words[..];
        std::iter::from_fn(move || {
            let (&[head, time, m, p, g], rest) = w.split_first_chunk::<5>()?;
            let (time, m, p, g) = (time as i64, m as i64, p as i64, g as i64);
            if head & CPU_SAMPLE != 0 {
                let (&stack, rest) = rest.split_first()?;
                w = rest;
                return Some(Item::CpuSample { time, ctx: (m, p, g), stack });
            }
            let args = (head >> ARGS_SHIFT & 7) as usize;
            let extra = if head & HAS_EXTRA != 0 { 2 } else { 0 };
            let mut ev = BaseEvent { typ: head as u8, time, ..BaseEvent::default() };
            let (a, rest) = rest.split_at_checked(args)?;
            // Word by word over a fixed count, as in `push_event`: no `memcpy` call.
            for (i, v) in ev.args.iter_mut().enumerate() {
                *v = a.get(i).copied().unwrap_or(0);
            }
            if extra != 0 {
                let (&e, _) = rest.split_first_chunk::<2>()?;
                ev.extra = e;
            }
            w = &rest[extra..];
            Some(Item::Event { ctx: Ctx { p, m, g }, ev, stack: (head >> 32) as StackId })
        })
    }
}
