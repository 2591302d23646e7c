//! The v2 reader loop (`internal/trace/reader.go`): generation by generation, merge the
//! Ms' batches through the ordering, interleave CPU samples, and emit Sync events. On a big
//! trace, natively, the events taken are stored on a second thread.

use std::sync::mpsc;

use crate::cursor::{heap_insert, heap_remove, heap_update, Cursor, Entry};
use crate::decoder::Budget;
use crate::error::{Error, ErrorKind};
use crate::generation::{build, frame_generation, Framing, GenEnd, Generation};
use crate::header::Version;
use crate::order::{Ordering, Out, Sink};
use crate::report::Reporter;
use crate::taken::Taken;
use crate::trace::{GenerationInfo, Trace};

/// Decoding state that lives across generations.
pub(crate) struct V2 {
    version: Version,
    order: Ordering,
    report: Reporter,
    /// Number of the generation being read, for errors and progress.
    pub generation: u64,
    /// The caller's memory budget, and the file's size (0 if unknown).
    budget: Option<(Budget, u64)>,
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
    pub(crate) fn new(version: Version, budget: Option<(Budget, u64)>) -> V2 {
        V2 { version, order: Ordering::new(), report: Reporter::default(), generation: 0, budget }
    }

    /// Whether decoding the generation of `bytes` at file offset `at` would go over the
    /// budget: it is not decoded then, so that the trace stays within it. Its events are
    /// estimated from its size, and its new goroutines in the proportion seen so far.
    fn over_budget(&self, trace: &Trace, bytes: usize, at: u64) -> Option<Error> {
        let (budget, file) = self.budget?;
        let (events, goroutines) = (trace.len() as u64, trace.goroutine_ids().len() as u64);
        let more = (bytes / BYTES_PER_EVENT) as u64;
        let grown = |n: u64, of: u64| n.saturating_add(n.saturating_mul(of).checked_div(events).unwrap_or(0));
        let cost = budget.cost(events.saturating_add(more), grown(goroutines, more));
        if cost <= budget.bytes {
            return None;
        }
        // The whole file's need, at the rate so far; with its size unknown, at least this.
        let rest = file.saturating_sub(at) / BYTES_PER_EVENT as u64;
        let need = budget.cost(events.saturating_add(rest), grown(goroutines, rest)).max(cost);
        Some(Error::new(budget.too_big(need, false), at))
    }

    /// Ends the trace with Go's final Sync (at the last time, bumped past it), then `error`.
    fn finish(&mut self, trace: &mut Trace, error: Option<Error>) -> Pumped {
        let t = self.report.last_ts;
        self.report.sync(trace, t, None, None);
        Pumped::Finished(error)
    }

    /// Decodes every complete generation in `data` (whose first byte is at file offset
    /// `base`). `eof`: `data` runs to the end of the file.
    pub(crate) fn pump(&mut self, data: &[u8], base: u64, eof: bool, trace: &mut Trace) -> Pumped {
        let mut pos = 0;
        loop {
            match frame_generation(data, pos, base, self.version, eof) {
                Framing::NeedMore => return Pumped::NeedMore(pos),
                Framing::Done => {
                    return self.finish(trace, None);
                }
                Framing::Generation { batches, end, next } => {
                    let number = batches.first().map_or(self.generation, |b| b.gen);
                    if let Some(e) = self.over_budget(trace, next - pos, base + pos as u64) {
                        // As if the file ended before this generation.
                        return self.finish(trace, Some(e.in_generation(number)));
                    }
                    self.generation = number;
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
                        return self.finish(trace, Some(e));
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
        let mut ordering = Merge { order: &mut self.order, cursors, frontier, samples: 0, g, data };
        let report = &mut self.report;
        let bytes: usize = g.threads.iter().flat_map(|(_, b)| b).map(|b| b.end - b.start).sum();
        if !report_on_thread(bytes) {
            return ordering.run(Out::Store { report, trace }, |_| {});
        }
        std::thread::scope(|s| {
            let (to_reporter, blocks) = mpsc::sync_channel::<Taken>(QUEUED_BLOCKS);
            let (give_back, returned) = mpsc::channel::<Taken>();
            s.spawn(move || {
                for mut block in blocks {
                    report.taken(trace, g, &block);
                    block.clear();
                    // Refused only once the ordering is done and wants no more blocks.
                    let _ = give_back.send(block);
                }
            });
            let mut block = Taken::with_capacity(BLOCK_WORDS);
            ordering.run(Out::Hand(&mut block), |block| {
                let empty = returned.try_recv().unwrap_or_else(|_| Taken::with_capacity(BLOCK_WORDS));
                // The reporter only stops when this side hangs up (or panics, which the
                // scope passes on).
                let _ = to_reporter.send(std::mem::replace(block, empty));
            })
        })
    }
}

/// Bytes per event of real traces (5–6), to estimate a generation's events from its size.
pub(crate) const BYTES_PER_EVENT: usize = 5;

/// Words handed to the reporter at a time (about 4,000 events).
const BLOCK_WORDS: usize = 32 << 10;
/// Blocks the ordering may be ahead of the reporter.
const QUEUED_BLOCKS: usize = 4;
/// Generations with fewer bytes of events than this are reported on the ordering's
/// thread: starting a thread would cost more than it saves.
const THREAD_MIN_BYTES: usize = 1 << 20;

fn report_on_thread(bytes: usize) -> bool {
    #[cfg(test)]
    if let Some(forced) = tests::FORCE_THREAD.get() {
        return forced;
    }
    !cfg!(target_arch = "wasm32") && bytes >= THREAD_MIN_BYTES
}

/// One generation's ordering: Go's merge of the Ms' batches by time and state machine.
/// On a big trace it runs beside the reporter, which stores what it takes on another
/// thread: the two halves of decoding take about the same time.
struct Merge<'a> {
    order: &'a mut Ordering,
    cursors: Vec<Cursor>,
    frontier: Vec<Entry>,
    /// CPU samples taken so far.
    samples: usize,
    g: &'a Generation,
    data: &'a [u8],
}

impl Merge<'_> {
    /// Takes every event into `out`; when that is a block to hand on, hands it to `hand`
    /// each time it fills, and at the end. What was taken before an error is handed on too.
    fn run(&mut self, mut out: Out<'_>, mut hand: impl FnMut(&mut Taken)) -> Result<(), Error> {
        let result = loop {
            if let Out::Hand(block) = &mut out {
                if block.len() >= BLOCK_WORDS {
                    hand(block);
                }
            }
            match self.step(&mut out) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        if let Out::Hand(block) = &mut out {
            if !block.is_empty() {
                hand(block);
            }
        }
        result
    }

    /// Takes the next CPU sample or event; `Ok(false)` once there are none.
    #[inline(always)]
    fn step(&mut self, out: &mut Out<'_>) -> Result<bool, Error> {
        if let Some(s) = self.g.cpu_samples.get(self.samples) {
            if self.frontier.first().is_none_or(|c| s.time < c.time) {
                out.cpu_sample(s.time, (s.m, s.p, s.g), s.stack, self.g);
                self.samples += 1;
                return Ok(true);
            }
        }
        if self.frontier.is_empty() {
            return Ok(false);
        }
        let tried = self.frontier[0].slot;
        if self.try_advance(0, out)? {
            return Ok(true);
        }
        self.advance_another(tried, out)
    }

    /// The M with the earliest event must wait for another: take the first that can go.
    #[cold]
    fn advance_another(&mut self, tried: usize, out: &mut Out<'_>) -> Result<bool, Error> {
        self.frontier.sort_by_key(|c| c.time);
        for i in 1..self.frontier.len() {
            if self.try_advance(i, out)? {
                return Ok(true);
            }
        }
        // Go never retries index 0 after sorting, though with equal times it may be a
        // cursor other than the one that just failed; retrying it avoids a spurious
        // "failed to advance".
        if self.frontier[0].slot != tried && self.try_advance(0, out)? {
            return Ok(true);
        }
        let heads: Vec<String> = self
            .frontier
            .iter()
            .map(|e| {
                let c = &self.cursors[e.slot];
                format!("M {} [{} time={}]", c.m, crate::wire::spec(c.ev().typ).map_or("?", |s| s.name), c.ev().time)
            })
            .collect();
        let what = format!("broken trace: failed to advance: frontier: {}", heads.join(", "));
        Err(ordering_error(what, self.cursors[self.frontier[0].slot].ev_offset(), self.g.number))
    }

    fn try_advance(&mut self, i: usize, out: &mut Out<'_>) -> Result<bool, Error> {
        let g = self.g;
        let c = &mut self.cursors[self.frontier[i].slot];
        let offset = c.ev_offset();
        let mut out = Sink { out: out.reborrow(), gen: g, discard: c.ahead_failed() };
        let (ev, m, m_slot) = c.parts();
        match self.order.advance(ev, m, m_slot, g, &mut out) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(what) => return Err(ordering_error(what, offset, g.number)),
        }
        match c.next(&g.threads[c.slot].1, self.data, g.freq) {
            Ok(true) => {
                self.frontier[i].time = c.ev().time;
                heap_update(&mut self.frontier, i)
            }
            Ok(false) => heap_remove(&mut self.frontier, i),
            Err((what, off)) => return Err(ordering_error(what, off, g.number)),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::path::Path;

    thread_local! {
        /// Overrides where events are reported, for the test below.
        pub(super) static FORCE_THREAD: Cell<Option<bool>> = const { Cell::new(None) };
    }

    fn render(data: &[u8]) -> String {
        let d = crate::decode(data);
        let mut s: String = d.trace.events().map(|e| format!("{e} {} {}\n", e.stack(), e.transition_stack())).collect();
        if let Some(e) = &d.error {
            s.push_str(&format!("error: {e}\n"));
        }
        s
    }

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_none_or(|x| x == "trace" || x == "bin") {
                out.push(p);
            }
        }
    }

    /// Reporting on a second thread must not change a thing, errors included: every
    /// fixture, Go vector and kept fuzz input decodes the same both ways.
    #[test]
    fn reporting_thread_changes_nothing() {
        let mut paths = Vec::new();
        for dir in [gotv_fixtures::dir(), Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")] {
            files(&dir, &mut paths);
        }
        paths.retain(|p| !p.starts_with(gotv_fixtures::dir().join("big")));
        assert!(paths.len() > 600, "found only {} inputs", paths.len());
        let mut errors = 0;
        for p in &paths {
            let data = std::fs::read(p).unwrap();
            FORCE_THREAD.set(Some(false));
            let inline = render(&data);
            FORCE_THREAD.set(Some(true));
            let threaded = render(&data);
            FORCE_THREAD.set(None);
            assert!(inline == threaded, "{}: reporting on a thread changed the result", p.display());
            errors += usize::from(inline.contains("\nerror: "));
        }
        // The inputs exercise the error paths, not only clean traces.
        assert!(errors > 100, "only {errors} inputs end in an error");
    }
}
