//! One opened trace inside the worker: decoded in chunks with progress, analysed once, then
//! drawn and queried for as long as the page shows it.

use super::canvas::Canvas;
use super::queries::{self, Answers};
use crate::js_error::describe;
use crate::protocol::{
    Answer, Details, Failure, FindingView, Frame, Loaded, Pick, Progress, Query, Rendered, SourceLine,
};
use crate::timeline::{self, Model, Scene};
use gotv_analysis::{GcAnalysis, GoroutineAnalysis, ProfileKind};
use gotv_decode::{Budget, Decoder, Format, Trace};
use std::collections::VecDeque;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, OffscreenCanvas};

/// Bytes read from the Blob per step: progress is reported after each.
const CHUNK: f64 = 4.0 * 1024.0 * 1024.0;
/// Chunks being read while one decodes.
const READ_AHEAD: usize = 4;

/// The memory a trace may take in the worker, in MB. A WebAssembly memory holds at most
/// 4 GiB (4,295 MB); the rest is headroom for what the estimate below misses.
const MEMORY_MB: f64 = 3_500.0;
/// What each event and each goroutine costs the worker with every view opened: the trace's
/// columns and indexes, the goroutine analysis's records, the timeline's spans (per P and per
/// thread), the profiles. `cargo xtask bench-web`'s "all views" on the 200 MB benchmark trace
/// (35 M events, 4.1 M goroutines): 1,700 MB, where these costs estimate 2,000.
const PER_EVENT: u64 = 45;
const PER_GOROUTINE: u64 = 100;

/// A trace bigger than this stops decoding at a generation's end and shows what came before:
/// a trace that fills the memory would take the worker down with nothing shown.
fn budget(memory_mb: Option<f64>) -> Budget {
    let mb = memory_mb.map_or(MEMORY_MB, |mb| mb.min(MEMORY_MB));
    Budget { bytes: (mb * 1e6) as u64, per_event: PER_EVENT, per_goroutine: PER_GOROUTINE }
}

pub struct Session {
    trace: Trace,
    goroutines: GoroutineAnalysis,
    /// Kept for the findings and the GC view (thinned to the plot's resolution, it is small).
    gc: GcAnalysis,
    model: Model,
    canvas: Canvas,
    answers: Answers,
    /// Whether a frame has been drawn: what the first one goes without is made after it.
    drawn: bool,
}

/// What opening produced: a session if anything decoded, and why decoding stopped early.
pub struct Opened {
    pub session: Option<(Session, Loaded)>,
    pub error: Option<Failure>,
}

impl Session {
    pub async fn open(
        name: &str,
        blob: &Blob,
        canvas: OffscreenCanvas,
        memory_mb: Option<f64>,
        progress: impl Fn(Progress),
    ) -> Opened {
        let failed = |failure: Failure| Opened { session: None, error: Some(failure) };
        let canvas = match Canvas::new(canvas) {
            Ok(c) => c,
            Err(e) => return failed(Failure::Other(e)),
        };
        let total = blob.size();
        let read = |offset: f64| {
            let end = (offset + CHUNK).min(total);
            (end - offset, blob.slice_with_f64_and_f64(offset, end).map(|b| b.array_buffer()))
        };
        let mut t = super::now();
        let mut decoder = Decoder::with_size_hint(total as u64).with_budget(budget(memory_mb));
        let mut offset = 0.0;
        let mut whole_file_first = false;
        let mut bytes = Vec::new();
        // Several chunks are asked for ahead: a chunk that completes no generation is only
        // buffered, and the worker would otherwise wait for the next one to be read.
        let mut reads = VecDeque::new();
        let mut asked = 0.0;
        let ask = |reads: &mut VecDeque<_>, asked: &mut f64| {
            while reads.len() < READ_AHEAD && *asked < total {
                reads.push_back(read(*asked));
                *asked = (*asked + CHUNK).min(total);
            }
        };
        ask(&mut reads, &mut asked);
        while let Some((len, reading)) = reads.pop_front() {
            let buffer = match reading {
                Ok(promise) => JsFuture::from(promise).await,
                Err(e) => Err(e),
            };
            let buffer = match buffer.map(|b| js_sys::Uint8Array::new(&b)) {
                Ok(b) if f64::from(b.length()) == len => b,
                unreadable => {
                    let why = unreadable.err().map(|e| describe(&e));
                    return failed(Failure::Unreadable { offset: offset as u64, why });
                }
            };
            ask(&mut reads, &mut asked);
            let end = offset + len;
            bytes.resize(buffer.length() as usize, 0);
            buffer.copy_to(&mut bytes);
            if offset == 0.0 {
                whole_file_first = gotv_decode::read_header(&bytes).is_ok_and(|v| v.format() == Format::V1);
            }
            let p = decoder.feed(&bytes);
            offset = end;
            progress(Progress {
                bytes: p.bytes,
                total: total as u64,
                events: p.events,
                generation: p.generation,
                whole_file_first,
            });
            // Decoding stopped at a broken spot: the rest of the file cannot be read past it.
            if p.finished {
                break;
            }
        }
        let decoded = decoder.finish();
        t = super::stage("decode", t);
        progress(Progress {
            bytes: total as u64,
            total: total as u64,
            events: decoded.trace.len() as u64,
            generation: 0,
            whole_file_first,
        });
        let error = decoded.error.as_ref().map(|e| Failure::Decoding(e.into()));
        let trace = decoded.trace;
        let Some(version) = trace.version else { return Opened { session: None, error } };
        // Only what the header and the first frame need: the rest waits for `finish`. The
        // header's counts are `gotv_analysis::summary`'s, read without the rest of the summary,
        // which takes seconds on a big trace.
        let goroutines = gotv_analysis::goroutines(&trace);
        t = super::stage("goroutines", t);
        // Heap points as far apart as the timeline draws them (the model's resolution).
        let span = goroutines.trace_end_ns.saturating_sub(goroutines.trace_start_ns);
        let gc = gotv_analysis::gc(&trace, gotv_analysis::plot_resolution(span));
        t = super::stage("gc", t);
        let model = Model::new(&trace, &goroutines, &gc);
        super::stage("timeline model", t);
        let loaded = Loaded {
            name: name.to_string(),
            bytes: total as u64,
            format: version.to_string(),
            writers: version.writers().to_string(),
            start_ns: model.start_ns,
            end_ns: model.end_ns,
            events: trace.len() as u64,
            goroutines: trace.goroutine_ids().len() as u64,
            gc_cycles: gc.cycles_begun,
            groups: model.goroutines.groups.iter().map(|g| (g.name.clone(), g.members.len() as u64)).collect(),
            rows: model.row_names(),
        };
        let session = Session { trace, goroutines, gc, model, canvas, answers: Answers::default(), drawn: false };
        Opened { session: Some((session, loaded)), error }
    }

    /// What the first frame goes without, step by step: `false` once there is no step `step`.
    /// The worker takes a step per task after the first frame (so that a big trace is on screen
    /// seconds earlier, and frames asked for meanwhile are drawn between steps): the counter
    /// rows' goroutines and threads; the blocking profiles and the findings, which it posts;
    /// the GC view's first answer, the slowest to make on a big trace (its MMU is a pass over
    /// every event, 320 ms on the 200 MB trace), kept like any answer so that the view opens
    /// at once, for the price of a few MB kept for a view that may never be opened.
    pub fn after_first_frame(&mut self, step: usize, post_findings: impl FnOnce(Vec<FindingView>)) -> bool {
        let t = super::now();
        match step {
            0 => {
                self.model.add_counters(&self.trace);
                super::stage("counter rows", t);
            }
            1 => {
                // Kept: the profiles view shows them, and the findings read the sync one.
                self.answers.all_profiles(&self.trace, &self.goroutines);
                let t = super::stage("profiles", t);
                let sync = self.answers.profile(&self.trace, &self.goroutines, ProfileKind::Sync, &None);
                let findings = gotv_analysis::findings(&self.trace, &self.goroutines, &self.gc, sync)
                    .into_iter()
                    .map(|f| FindingView {
                        id: f.id.to_string(),
                        severity: f.severity.name().to_string(),
                        message: f.message,
                        numbers: f.numbers.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
                        location: f.location.map(|at| SourceLine { func: at.func, file: at.file, line: at.line }),
                    })
                    .collect();
                super::stage("findings", t);
                post_findings(findings);
            }
            2 => {
                let _ = self.answers.get(&self.trace, &self.goroutines, &self.gc, queries::first_gc_query());
                super::stage("answered ahead", t);
            }
            _ => return false,
        }
        true
    }

    /// Whether this is the first frame drawn: the one after which [`Session::after_first_frame`]
    /// begins.
    pub fn first_frame(&mut self) -> bool {
        !std::mem::replace(&mut self.drawn, true)
    }

    fn scene(&self) -> Scene<'_> {
        Scene { trace: &self.trace, model: &self.model }
    }

    pub fn render(&mut self, frame: &Frame, now: impl Fn() -> f64) -> Rendered {
        let start = now();
        let v = &frame.view;
        self.canvas.begin(v.width, v.height, v.dpr);
        let scene = Scene { trace: &self.trace, model: &self.model };
        let content_height = scene.render(frame, &mut self.canvas);
        self.canvas.flush();
        Rendered { ms: now() - start, content_height }
    }

    pub fn pick(&self, frame: &Frame, x: f64, y: f64) -> Option<Pick> {
        self.scene().pick(frame, x, y)
    }

    pub fn reveal(&self, frame: &Frame, id: i64) -> Option<f64> {
        self.scene().lane_of(frame, id)
    }

    pub fn query(&mut self, q: Query) -> Result<Answer, String> {
        self.answers.get(&self.trace, &self.goroutines, &self.gc, q)
    }

    pub fn goroutine(&self, id: i64) -> Option<Details> {
        let i = self.model.goroutines.index(id)?;
        Some(timeline::details(&self.trace, id, self.model.goroutines.name(i)))
    }
}
