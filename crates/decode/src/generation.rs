//! Generations (trace-format.md §3.5–3.7): where one ends, and the per-generation string,
//! stack, frequency, clock and CPU-sample tables its batches carry.

use crate::batch::{frame, Batch, Framed, Item};
use crate::error::{Error, ErrorKind};
use crate::hash;
use crate::header::Version;
use crate::model::{ClockSnapshot, ExperimentalBatch, Frame};
use crate::reader::{Reader, VarintError};
use crate::stacks::{StackId, NO_STACK};
use crate::strings::StrId;
use crate::trace::Trace;
use crate::wire::*;

/// Go's `MaxStringSize` and `MaxFramesPerStack`.
const MAX_STRING_SIZE: u64 = 1024;
const MAX_FRAMES_PER_STACK: u64 = 128;

/// How a generation's batch sequence ended.
#[derive(Debug)]
pub(crate) enum GenEnd {
    /// The next generation (or the end of the trace) follows.
    Complete,
    /// The generation is usable, but reading on after it failed (≤1.25 "spill" error):
    /// Go delivers the generation first and reports the error afterwards.
    ThenError(Error),
    /// The generation cannot be used.
    Fatal(Error),
}

#[derive(Debug)]
pub(crate) enum Framing {
    NeedMore,
    /// No more generations.
    Done,
    /// A generation's batches, how they ended, and where the next generation starts.
    Generation {
        batches: Vec<Batch>,
        end: GenEnd,
        next: usize,
    },
}

fn is_event_batch(b: &Batch, data: &[u8], version: Version) -> bool {
    if b.exp.is_some() {
        return false;
    }
    match data[b.start..b.end].first() {
        None => true,
        Some(&t) => !matches!(t, EV_STRINGS | EV_STACKS | EV_CPU_SAMPLES) && !is_sync_byte(t, version),
    }
}

fn is_sync_byte(t: u8, version: Version) -> bool {
    if version.0 >= 25 {
        t == EV_SYNC
    } else {
        t == EV_FREQUENCY
    }
}

/// Finds the batches of the generation starting at `pos`.
pub(crate) fn frame_generation(data: &[u8], mut pos: usize, base: u64, version: Version, eof: bool) -> Framing {
    let markers = version.0 >= 26;
    let mut batches: Vec<Batch> = Vec::new();
    let mut gen = 0u64;
    loop {
        let fatal = |batches, e| Framing::Generation { batches, end: GenEnd::Fatal(e), next: pos };
        match frame(data, pos, base, markers, eof) {
            Framed::NeedMore => return Framing::NeedMore,
            Framed::End => {
                if batches.is_empty() {
                    return Framing::Done;
                }
                if !markers {
                    return Framing::Generation { batches, end: GenEnd::Complete, next: pos };
                }
                if batches.iter().any(|b| is_event_batch(b, data, version)) {
                    let e = Error::new(
                        ErrorKind::Truncated {
                            what: "an incomplete generation (no end-of-generation marker); trace likely truncated",
                        },
                        base + pos as u64,
                    )
                    .in_generation(gen);
                    return fatal(batches, e);
                }
                return Framing::Done;
            }
            Framed::Error(e) => {
                let e = if gen != 0 { e.in_generation(gen) } else { e };
                if !markers && !batches.is_empty() {
                    return Framing::Generation { batches, end: GenEnd::ThenError(e), next: pos };
                }
                return fatal(batches, e);
            }
            Framed::Item(Item::EndOfGeneration, next) => {
                return Framing::Generation { batches, end: GenEnd::Complete, next };
            }
            Framed::Item(Item::Batch(b), next) => {
                if b.gen == 0 {
                    let e = Error::new(ErrorKind::Malformed { what: "invalid generation number 0".into() }, b.offset);
                    return fatal(batches, e);
                }
                if gen == 0 {
                    gen = b.gen;
                }
                if !markers && b.gen == gen.wrapping_add(1) {
                    return Framing::Generation { batches, end: GenEnd::Complete, next: pos };
                }
                if b.gen != gen {
                    let what = if markers {
                        "missing end-of-generation event, or generations are interleaved"
                    } else {
                        "generations out of order"
                    };
                    let e = Error::new(ErrorKind::Malformed { what: what.into() }, b.offset).in_generation(gen);
                    return fatal(batches, e);
                }
                batches.push(b);
                pos = next;
            }
        }
    }
}

/// Trace clock units to ns, exactly as Go converts them (float64, truncated).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Freq {
    ns_per_tick: f64,
    /// `ns_per_tick` when it is a whole number (64 on Linux, where the trace clock ticks
    /// every 64 ns), and the ticks below which multiplying integers gives what the float
    /// multiplication does: products under 2^53 are exact in a float. Saves converting
    /// every event's time delta to and from floating point.
    whole: u64,
    exact_below: u64,
}

impl Freq {
    pub(crate) fn new(ns_per_tick: f64) -> Freq {
        let whole = ns_per_tick as u64;
        let exact = whole >= 1 && whole as f64 == ns_per_tick;
        let exact_below = if exact { (1u64 << 53) / whole } else { 0 };
        Freq { ns_per_tick, whole, exact_below }
    }

    #[inline]
    pub(crate) fn mul(self, t: u64) -> i64 {
        if t < self.exact_below {
            // `exact_below` ≤ 2^53 / `whole`, so this neither overflows nor rounds.
            (t * self.whole) as i64
        } else {
            (t as f64 * self.ns_per_tick) as i64
        }
    }
}

/// The event batches one M wrote in a generation, in file order.
pub(crate) struct BatchRef {
    pub start: usize,
    pub end: usize,
    pub time: u64,
    /// File offset of the payload's first byte.
    pub offset: u64,
}

pub(crate) struct CpuSample {
    pub time: i64,
    pub m: i64,
    pub p: i64,
    pub g: i64,
    pub stack: u64,
}

/// A generation's table IDs → global IDs. The runtime allocates IDs densely from 1, so
/// lookups become array indexing once the table is complete.
#[derive(Default)]
pub(crate) struct IdMap {
    dense: Vec<u32>,
    sparse: hash::IdMap<u64, u32>,
}

const ABSENT: u32 = u32::MAX;

impl IdMap {
    fn insert(&mut self, id: u64, v: u32) {
        self.sparse.insert(id, v);
    }

    fn get(&self, id: u64) -> Option<u32> {
        match self.dense.get(id as usize) {
            Some(&ABSENT) => None,
            Some(&v) => Some(v),
            None => self.sparse.get(&id).copied(),
        }
    }

    /// Moves the IDs that are small enough into the array. Bounded by the number of
    /// entries, so a huge ID in a corrupt file cannot make it allocate.
    fn densify(&mut self) {
        let limit = (self.sparse.len() * 2 + 64) as u64;
        let max = self.sparse.keys().copied().filter(|&k| k < limit).max();
        let Some(max) = max else { return };
        self.dense = vec![ABSENT; max as usize + 1];
        self.sparse.retain(|&k, &mut v| {
            if k <= max {
                self.dense[k as usize] = v;
                false
            } else {
                true
            }
        });
    }
}

/// Everything a generation's structural batches say, with IDs resolved to global ones.
pub(crate) struct Generation {
    pub number: u64,
    pub freq: Freq,
    pub freq_hz: u64,
    pub strings: IdMap,
    pub stacks: IdMap,
    pub clock: Option<ClockSnapshot>,
    pub cpu_samples: Vec<CpuSample>,
    /// Event batches per M, Ms in order of first appearance.
    pub threads: Vec<(u64, Vec<BatchRef>)>,
    pub min_ts: u64,
    pub experimental: Vec<ExperimentalBatch>,
}

impl Generation {
    pub(crate) fn string(&self, id: u64) -> Option<StrId> {
        if id == 0 {
            return Some(0);
        }
        self.strings.get(id)
    }

    pub(crate) fn stack(&self, id: u64) -> Option<StackId> {
        if id == 0 {
            return Some(NO_STACK);
        }
        self.stacks.get(id)
    }
}

fn varint_err(r: &Reader, e: VarintError, what: &str) -> Error {
    let msg = match e {
        VarintError::Truncated => format!("{what}: unexpected EOF"),
        VarintError::Overflow => format!("{what}: varint overflows a 64-bit integer"),
    };
    Error::new(ErrorKind::Malformed { what: msg }, r.offset())
}

fn malformed(offset: u64, what: String) -> Error {
    Error::new(ErrorKind::Malformed { what }, offset)
}

struct RawStack {
    id: u64,
    pcs: Vec<u64>,
    offset: u64,
}

struct RawFrame {
    func: u64,
    file: u64,
    line: u64,
}

/// Decodes a generation's structural batches, in file order (so the first bad batch is the
/// one reported, as in Go). `complete`: the generation ended properly, so check that its
/// tables are whole; otherwise only report errors in the batches themselves.
pub(crate) fn build(
    batches: &[Batch],
    data: &[u8],
    base: u64,
    version: Version,
    complete: bool,
    trace: &mut Trace,
) -> Result<Generation, Error> {
    let number = batches.first().map_or(0, |b| b.gen);
    let offset = batches.first().map_or(0, |b| b.offset);
    let mut g = Generation {
        number,
        freq: Freq::new(0.0),
        freq_hz: 0,
        strings: IdMap::default(),
        stacks: IdMap::default(),
        clock: None,
        cpu_samples: Vec::new(),
        threads: Vec::new(),
        min_ts: 0,
        experimental: Vec::new(),
    };
    let mut thread_slot: hash::IdMap<u64, usize> = hash::IdMap::default();
    let mut freq: Option<u64> = None;
    let mut snapshot: Option<(u64, u64, u64, u64)> = None;
    let mut raw_stacks: Vec<RawStack> = Vec::new();
    let mut stack_ids: hash::IdMap<u64, ()> = hash::IdMap::default();
    let mut pcs: hash::IdMap<u64, RawFrame> = hash::IdMap::default();
    for b in batches {
        if g.min_ts == 0 || b.time < g.min_ts {
            g.min_ts = b.time;
        }
        let payload = &data[b.start..b.end];
        let pbase = base + b.start as u64;
        let mut r = Reader::new(payload, pbase);
        if let Some(exp) = b.exp {
            g.experimental.push(ExperimentalBatch { experiment: exp, thread: b.m as i64, data: payload.to_vec() });
            continue;
        }
        match payload.first().copied() {
            Some(EV_STRINGS) => {
                r.byte();
                while !r.is_empty() {
                    let at = r.offset();
                    let t = r.byte().unwrap_or(0);
                    if t != EV_STRING {
                        return Err(malformed(at, format!("expected string event, got {t}")));
                    }
                    let id = r.uvarint().map_err(|e| varint_err(&r, e, "reading string ID"))?;
                    let len = r.uvarint().map_err(|e| varint_err(&r, e, "reading string length"))?;
                    if len > MAX_STRING_SIZE {
                        return Err(malformed(at, format!("invalid string size {len}, maximum is {MAX_STRING_SIZE}")));
                    }
                    let avail = r.remaining();
                    let Some(s) = r.bytes(len as usize) else {
                        return Err(malformed(
                            at,
                            format!("failed to read full string: read {avail} but wanted {len}"),
                        ));
                    };
                    if id == 0 || g.strings.get(id).is_some() {
                        return Err(malformed(at, format!("multiple strings with the same ID: id={id}")));
                    }
                    let sid = trace.strings.intern(s);
                    g.strings.insert(id, sid);
                }
            }
            Some(EV_STACKS) => {
                r.byte();
                while !r.is_empty() {
                    let at = r.offset();
                    let t = r.byte().unwrap_or(0);
                    if t != EV_STACK {
                        return Err(malformed(at, format!("expected stack event, got {t}")));
                    }
                    let id = r.uvarint().map_err(|e| varint_err(&r, e, "reading stack ID"))?;
                    let n = r.uvarint().map_err(|e| varint_err(&r, e, "reading stack frame count"))?;
                    if n > MAX_FRAMES_PER_STACK {
                        return Err(malformed(
                            at,
                            format!("invalid stack size {n}, maximum is {MAX_FRAMES_PER_STACK}"),
                        ));
                    }
                    let mut stack_pcs = Vec::with_capacity(n as usize);
                    for i in 1..=n {
                        let mut field = |name: &str| {
                            r.uvarint()
                                .map_err(|e| varint_err(&r, e, &format!("reading frame {i}'s {name} for stack {id}")))
                        };
                        let pc = field("PC")?;
                        let func = field("funcID")?;
                        let file = field("fileID")?;
                        let line = field("line")?;
                        stack_pcs.push(pc);
                        pcs.entry(pc).or_insert(RawFrame { func, file, line });
                    }
                    if id == 0 || stack_ids.insert(id, ()).is_some() {
                        return Err(malformed(at, format!("multiple stacks with the same ID: id={id}")));
                    }
                    raw_stacks.push(RawStack { id, pcs: stack_pcs, offset: at });
                }
            }
            Some(EV_CPU_SAMPLES) => {
                r.byte();
                while !r.is_empty() {
                    let at = r.offset();
                    let t = r.byte().unwrap_or(0);
                    if t != EV_CPU_SAMPLE {
                        return Err(malformed(at, format!("expected CPU sample event, got {t}")));
                    }
                    let mut v = [0u64; 5];
                    for x in &mut v {
                        *x = r.uvarint().map_err(|e| varint_err(&r, e, "reading CPU sample"))?;
                    }
                    let g_id = if v[3] == 0 { -1 } else { v[3] as i64 };
                    // The time is converted once the frequency is known.
                    g.cpu_samples.push(CpuSample {
                        time: v[0] as i64,
                        m: v[1] as i64,
                        p: v[2] as i64,
                        g: g_id,
                        stack: v[4],
                    });
                }
            }
            Some(t) if is_sync_byte(t, version) => {
                if version.0 >= 25 {
                    r.byte();
                }
                while !r.is_empty() {
                    let at = r.offset();
                    let t = r.byte().unwrap_or(0);
                    match t {
                        EV_FREQUENCY => {
                            if freq.is_some() {
                                return Err(malformed(at, "found multiple frequency events".into()));
                            }
                            freq = Some(r.uvarint().map_err(|e| varint_err(&r, e, "reading frequency"))?);
                        }
                        EV_CLOCK_SNAPSHOT if version.0 >= 25 => {
                            if snapshot.is_some() {
                                return Err(malformed(at, "found multiple clock snapshot events".into()));
                            }
                            let mut v = [0u64; 4];
                            for x in &mut v {
                                *x = r.uvarint().map_err(|e| varint_err(&r, e, "reading clock snapshot"))?;
                            }
                            snapshot = Some((b.time.wrapping_add(v[0]), v[1], v[2], v[3]));
                        }
                        _ => return Err(malformed(at, format!("expected frequency or clock snapshot event, got {t}"))),
                    }
                }
            }
            _ => {
                let slot = *thread_slot.entry(b.m).or_insert_with(|| {
                    g.threads.push((b.m, Vec::new()));
                    g.threads.len() - 1
                });
                g.threads[slot].1.push(BatchRef { start: b.start, end: b.end, time: b.time, offset: pbase });
            }
        }
    }
    if !complete {
        return Ok(g);
    }
    let end_offset = batches.last().map_or(offset, |b| base + b.end as u64);
    let Some(hz) = freq else {
        return Err(malformed(end_offset, "no frequency event found".into()));
    };
    // Go would divide by zero here and carry infinite times on; no clock ticks at 0 Hz.
    if hz == 0 {
        return Err(malformed(end_offset, "the clock frequency is 0".into()));
    }
    g.freq_hz = hz;
    g.freq = Freq::new(1.0 / (hz as f64 / 1e9));
    if version.0 >= 25 {
        let Some((t, mono, sec, nsec)) = snapshot else {
            return Err(malformed(end_offset, "no clock snapshot event found".into()));
        };
        g.clock = Some(ClockSnapshot { trace: g.freq.mul(t), mono, wall_sec: sec as i64, wall_nsec: nsec as i64 });
    }
    let mut frames = Vec::new();
    for s in &raw_stacks {
        frames.clear();
        for pc in &s.pcs {
            // Every pc of a stack has a frame: it was inserted while reading that stack.
            let Some(f) = pcs.get(pc) else { continue };
            let Some(func) = g.string(f.func) else {
                return Err(malformed(s.offset, format!("found invalid func string ID {} for stack {}", f.func, s.id)));
            };
            let Some(file) = g.string(f.file) else {
                return Err(malformed(s.offset, format!("found invalid file string ID {} for stack {}", f.file, s.id)));
            };
            frames.push(Frame { pc: *pc, func, file, line: f.line });
        }
        let sid = trace.stacks.intern(&frames);
        g.stacks.insert(s.id, sid);
    }
    g.strings.densify();
    g.stacks.densify();
    for s in &mut g.cpu_samples {
        s.time = g.freq.mul(s.time as u64);
    }
    g.cpu_samples.sort_by_key(|s| s.time);
    Ok(g)
}
