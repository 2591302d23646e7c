//! Decoding entry points: the whole file at once, or chunk by chunk as it arrives (so that
//! progress can be reported while a large file streams in). Both run the same code on whole
//! generations, so chunking cannot change the result.

use crate::error::{Error, ErrorKind};
use crate::header::{read_header, Format, HEADER_LEN};
use crate::trace::{Expected, Trace};
use crate::v2::{Pumped, BYTES_PER_EVENT, V2};

/// The result of decoding: every event up to where decoding stopped, and why it stopped
/// early, if it did.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub trace: Trace,
    pub error: Option<Error>,
}

/// How far a [`Decoder`] has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Bytes fed so far.
    pub bytes: u64,
    /// Bytes fully decoded (whole generations).
    pub bytes_decoded: u64,
    pub events: u64,
    /// Number of the generation most recently read (v2).
    pub generation: u64,
    pub finished: bool,
}

/// How much memory a caller can give a trace, for one whose memory is bounded (the page: a
/// WebAssembly memory is at most 4 GiB, and the analyses need room beside the trace). A
/// trace's cost is estimated from its events and goroutines, at costs per item that include
/// what the caller builds from them. Decoding stops before the generation that would go over:
/// the trace is then the one a file ending there would give, and the error says where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub bytes: u64,
    pub per_event: u64,
    pub per_goroutine: u64,
}

impl Budget {
    pub(crate) fn cost(&self, events: u64, goroutines: u64) -> u64 {
        events.saturating_mul(self.per_event).saturating_add(goroutines.saturating_mul(self.per_goroutine))
    }

    /// Why decoding stops: what the budget is and what the trace would `need`, in MB.
    pub(crate) fn too_big(&self, need: u64, whole: bool) -> ErrorKind {
        let mb = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        ErrorKind::TooBig { budget_mb: mb(self.bytes / 1_000_000), need_mb: mb(need.div_ceil(1_000_000)), whole }
    }
}

/// Decodes a whole trace file.
pub fn decode(data: &[u8]) -> Decoded {
    let mut d = Decoder::with_size_hint(data.len() as u64);
    d.run(data, 0, true);
    d.into_decoded()
}

/// Incremental decoder: [`feed`](Decoder::feed) chunks as they arrive, then
/// [`finish`](Decoder::finish). Holds at most the bytes of the generation being read.
pub struct Decoder {
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    base: u64,
    fed: u64,
    v2: Option<V2>,
    trace: Trace,
    error: Option<Error>,
    finished: bool,
    /// Expected file size, if known.
    size_hint: u64,
    budget: Option<Budget>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder {
            buf: Vec::new(),
            base: 0,
            fed: 0,
            v2: None,
            trace: Trace::new(None),
            error: None,
            finished: false,
            size_hint: 0,
            budget: None,
        }
    }

    /// A decoder for a file of about `bytes` bytes: reserves room for its events up front,
    /// which keeps peak memory near the final size.
    pub fn with_size_hint(bytes: u64) -> Decoder {
        Decoder { size_hint: bytes, ..Decoder::new() }
    }

    /// Stops decoding before the trace would go over `budget` (see [`Budget`]).
    pub fn with_budget(self, budget: Budget) -> Decoder {
        Decoder { budget: Some(budget), ..self }
    }

    /// The old format is read whole, so its size (the file's, or the `bytes` here if more) is
    /// checked against the budget up front: its events estimated from it, its goroutines not.
    fn too_big_whole(&self, bytes: usize) -> Option<Error> {
        let b = self.budget?;
        let need = b.cost(self.size_hint.max(bytes as u64) / BYTES_PER_EVENT as u64, 0);
        (need > b.bytes).then(|| Error::new(b.too_big(need, true), 0))
    }

    /// Adds the next bytes of the file and decodes every generation they complete.
    pub fn feed(&mut self, chunk: &[u8]) -> Progress {
        self.fed += chunk.len() as u64;
        if !self.finished {
            self.buf.extend_from_slice(chunk);
            // The old format stays buffered whole (see `run`): room for all of it at once
            // rather than by doubling, which copies it in WebAssembly.
            let v1 = self.v2.is_none() && read_header(&self.buf).is_ok_and(|v| v.format() == Format::V1);
            if v1 && self.too_big_whole(self.buf.len()).is_none() {
                let rest = usize::try_from(self.size_hint).unwrap_or(0).saturating_sub(self.buf.len());
                self.buf.try_reserve_exact(rest).ok();
            }
            let buf = std::mem::take(&mut self.buf);
            let used = self.run(&buf, self.base, false);
            self.buf = buf;
            self.buf.drain(..used);
            self.base += used as u64;
        }
        self.progress()
    }

    /// Marks the end of the file and returns the result.
    pub fn finish(mut self) -> Decoded {
        if !self.finished {
            let buf = std::mem::take(&mut self.buf);
            self.run(&buf, self.base, true);
        }
        self.into_decoded()
    }

    pub fn progress(&self) -> Progress {
        Progress {
            bytes: self.fed,
            bytes_decoded: self.base,
            events: self.trace.len() as u64,
            generation: self.v2.as_ref().map_or(0, |v| v.generation),
            finished: self.finished,
        }
    }

    fn into_decoded(mut self) -> Decoded {
        self.trace.index_resources();
        Decoded { trace: self.trace, error: self.error }
    }

    fn stop(&mut self, error: Option<Error>) {
        self.finished = true;
        self.error = error;
    }

    /// Decodes what it can of `data` (file offset `base`); returns how many bytes of it
    /// are done with.
    fn run(&mut self, data: &[u8], base: u64, eof: bool) -> usize {
        let mut start = 0;
        if self.v2.is_none() {
            if data.len() < HEADER_LEN && !eof {
                return 0;
            }
            match read_header(data) {
                Err(e) => {
                    self.stop(Some(e));
                    return data.len();
                }
                // The old format keeps its frequency and stacks in the footer: nothing can
                // be decoded before the whole file is here, so it stays buffered until then.
                Ok(v) if v.format() == Format::V1 => {
                    if let Some(e) = self.too_big_whole(data.len()) {
                        self.stop(Some(e));
                        return data.len();
                    }
                    if !eof {
                        return 0;
                    }
                    let crate::Decoded { trace, error } = crate::v1::decode(data);
                    self.trace = trace;
                    self.stop(error);
                    return data.len();
                }
                Ok(v) => {
                    self.trace.version = Some(v);
                    // Only now that the file is known to be a trace: real traces take 5–6
                    // bytes per event, so an underestimate would cost a doubling, and an
                    // overestimate is given back when decoding ends.
                    // And no more than the budget allows.
                    let fits = self.budget.map_or(u64::MAX, |b| b.bytes / b.per_event.max(1));
                    let events = (self.size_hint / BYTES_PER_EVENT as u64).min(fits);
                    self.trace.reserve(Expected::events(usize::try_from(events).unwrap_or(0)));
                    self.v2 = Some(V2::new(v, self.budget.map(|b| (b, self.size_hint))));
                    start = HEADER_LEN;
                }
            }
        }
        let Some(v2) = self.v2.as_mut() else { return data.len() };
        match v2.pump(&data[start..], base + start as u64, eof, &mut self.trace) {
            Pumped::NeedMore(used) => start + used,
            Pumped::Finished(e) => {
                self.stop(e);
                data.len()
            }
        }
    }
}
