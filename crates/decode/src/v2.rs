//! The v2 reader loop (`internal/trace/reader.go`): generation by generation, merge the
//! Ms' batches through the ordering, interleave CPU samples, and emit Sync events.

use crate::cursor::{heap_insert, heap_remove, heap_update, Cursor, Entry};
use crate::error::{Error, ErrorKind};
use crate::generation::{build, frame_generation, Framing, GenEnd, Generation};
use crate::header::Version;
use crate::order::{Ordering, Sink};
use crate::report::Reporter;
use crate::stacks::NO_STACK;
use crate::trace::{GenerationInfo, Trace};

/// Decoding state that lives across generations.
pub(crate) struct V2 {
    version: Version,
    order: Ordering,
    report: Reporter,
    /// Number of the generation being read, for errors and progress.
    pub generation: u64,
}

/// What [`V2::pump`] did with the bytes it was given.
pub(crate) enum Pumped {
    /// Bytes up to this position are done with; more are needed.
    NeedMore(usize),
    /// The trace ended, normally or with an error.
    Finished(Option<Error>),
}

fn ordering_error(what: String, offset: u64, gen: u64) -> Error {
    Error::new(ErrorKind::Malformed { what }, offset).in_generation(gen)
}

impl V2 {
    pub(crate) fn new(version: Version) -> V2 {
        V2 { version, order: Ordering::new(), report: Reporter::default(), generation: 0 }
    }

    /// Decodes every complete generation in `data` (whose first byte is at file offset
    /// `base`). `eof`: `data` runs to the end of the file.
    pub(crate) fn pump(&mut self, data: &[u8], base: u64, eof: bool, trace: &mut Trace) -> Pumped {
        let mut pos = 0;
        loop {
            match frame_generation(data, pos, base, self.version, eof) {
                Framing::NeedMore => return Pumped::NeedMore(pos),
                Framing::Done => {
                    // Go's final Sync: at the last time, bumped past it.
                    let t = self.report.last_ts;
                    self.report.sync(trace, t, None, None);
                    return Pumped::Finished(None);
                }
                Framing::Generation { batches, end, next } => {
                    if let Some(b) = batches.first() {
                        self.generation = b.gen;
                    }
                    let complete = !matches!(end, GenEnd::Fatal(_));
                    let built = build(&batches, data, base, self.version, complete, trace)
                        .map_err(|e| e.in_generation(self.generation));
                    let fatal = match (built, end) {
                        (Err(e), _) | (Ok(_), GenEnd::Fatal(e)) => Some(e),
                        (Ok(g), end) => {
                            if let Err(e) = self.run(&g, data, trace) {
                                return Pumped::Finished(Some(e));
                            }
                            match end {
                                GenEnd::ThenError(e) => Some(e),
                                _ => None,
                            }
                        }
                    };
                    if let Some(e) = fatal {
                        // Go hands out a Sync for what was read before reporting the error.
                        let t = self.report.last_ts;
                        self.report.sync(trace, t, None, None);
                        return Pumped::Finished(Some(e));
                    }
                    pos = next;
                }
            }
        }
    }

    fn run(&mut self, g: &Generation, data: &[u8], trace: &mut Trace) -> Result<(), Error> {
        let gen = g.number;
        let mut cursors: Vec<Cursor> = Vec::with_capacity(g.threads.len());
        let mut frontier: Vec<Entry> = Vec::with_capacity(g.threads.len());
        for (slot, (m, batches)) in g.threads.iter().enumerate() {
            let mut c = Cursor::new(slot, *m as i64);
            match c.start(batches, data, g.freq) {
                Ok(true) => heap_insert(&mut frontier, Entry { time: c.ev().time, slot }),
                Ok(false) => {}
                Err((what, at)) => return Err(ordering_error(what, at, gen)),
            }
            cursors.push(c);
        }
        let info = trace.generations.len() as u32;
        trace.generations.push(GenerationInfo {
            number: gen,
            first_event: trace.len() as u32,
            freq: g.freq_hz,
            clock: g.clock,
            experimental_batches: g.experimental.clone(),
        });
        self.report.sync(trace, g.freq.mul(g.min_ts), Some(info), g.clock);
        let mut samples = g.cpu_samples.iter().peekable();
        loop {
            if let Some(s) = samples.peek() {
                if frontier.first().is_none_or(|c| s.time < c.time) {
                    let stack = g.stack(s.stack).unwrap_or(NO_STACK);
                    self.report.cpu_sample(trace, s.time, (s.m, s.p, s.g), stack);
                    samples.next();
                    continue;
                }
            }
            if frontier.is_empty() {
                return Ok(());
            }
            let tried = frontier[0].slot;
            if !self.try_advance(&mut cursors, &mut frontier, 0, g, data, trace)? {
                frontier.sort_by_key(|c| c.time);
                let mut advanced = false;
                for i in 1..frontier.len() {
                    if self.try_advance(&mut cursors, &mut frontier, i, g, data, trace)? {
                        advanced = true;
                        break;
                    }
                }
                // Go never retries index 0 after sorting, though with equal times it may
                // be a cursor other than the one that just failed; retrying it avoids a
                // spurious "failed to advance".
                if !advanced && frontier[0].slot != tried {
                    advanced = self.try_advance(&mut cursors, &mut frontier, 0, g, data, trace)?;
                }
                if !advanced {
                    let heads: Vec<String> = frontier
                        .iter()
                        .map(|e| {
                            let c = &cursors[e.slot];
                            format!(
                                "M {} [{} time={}]",
                                c.m,
                                crate::wire::spec(c.ev().typ).map_or("?", |s| s.name),
                                c.ev().time
                            )
                        })
                        .collect();
                    let what = format!("broken trace: failed to advance: frontier: {}", heads.join(", "));
                    return Err(ordering_error(what, cursors[frontier[0].slot].ev_offset(), gen));
                }
            }
        }
    }

    fn try_advance(
        &mut self,
        cursors: &mut [Cursor],
        frontier: &mut Vec<Entry>,
        i: usize,
        g: &Generation,
        data: &[u8],
        trace: &mut Trace,
    ) -> Result<bool, Error> {
        let c = &mut cursors[frontier[i].slot];
        let mut out = Sink { report: &mut self.report, trace, gen: g, discard: c.ahead_failed() };
        let offset = c.ev_offset();
        let (ev, m, m_slot) = c.parts();
        match self.order.advance(ev, m, m_slot, g, &mut out) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(what) => return Err(ordering_error(what, offset, g.number)),
        }
        match c.next(&g.threads[c.slot].1, data, g.freq) {
            Ok(true) => {
                frontier[i].time = c.ev().time;
                heap_update(frontier, i)
            }
            Ok(false) => heap_remove(frontier, i),
            Err((what, off)) => return Err(ordering_error(what, off, g.number)),
        }
        Ok(true)
    }
}
