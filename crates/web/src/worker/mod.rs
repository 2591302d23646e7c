//! The worker's side of [`crate::protocol`]: it owns the trace, so decoding and drawing never
//! block the page. The page starts one worker per opened file and terminates it to cancel.

mod canvas;
mod queries;
mod session;

use crate::js_error::describe;
use crate::protocol::{from_js, to_js, Failure, FromWorker, ToWorker};
use session::Session;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent, OffscreenCanvas};

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// How long each step of opening took and the wasm memory after it, for the browser benchmark
/// (`globalThis.gotvStages`, read through the worker's handle): where first paint goes; and the
/// last answer of each kind of query, sent, to tell the worker's part of a view's time. Memory
/// is time too: each new page of it costs a fault on first touch.
pub(crate) fn stage(name: &str, since: f64) -> f64 {
    let t = now();
    let global = js_sys::global();
    let key = JsValue::from_str("gotvStages");
    let stages = js_sys::Reflect::get(&global, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
        let o: JsValue = js_sys::Object::new().into();
        let _ = js_sys::Reflect::set(&global, &key, &o);
        o
    });
    let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    let bytes = memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
    let entry = js_sys::Array::of2(&JsValue::from_f64(t - since), &JsValue::from_f64(f64::from(bytes)));
    let _ = js_sys::Reflect::set(&stages, &JsValue::from_str(name), &entry);
    t
}

pub fn post(message: &FromWorker) {
    match to_js(message) {
        Ok(value) => {
            scope().post_message(&value).ok();
        }
        Err(e) => web_sys::console::error_1(&e),
    }
}

pub(crate) fn now() -> f64 {
    scope().performance().map_or(0.0, |p| p.now())
}

/// Called by the worker's bootstrap once the module is instantiated.
#[wasm_bindgen]
pub fn worker_main() {
    crate::panic::install(|message| post(&FromWorker::Panic { message }));
    let session: Rc<RefCell<Option<Session>>> = Rc::default();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Err(e) = handle(&session, e.data()) {
            post(&FromWorker::Failed(Failure::Other(describe(&e))));
        }
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The worker lives as long as its handler.
    handler.forget();
}

/// Takes [`Session::after_first_frame`]'s step `step` and the next ones, each in a task of its
/// own: a frame asked for meanwhile waits for one step, not all of them.
fn after_first_frame(session: Rc<RefCell<Option<Session>>>, step: usize) {
    gloo::timers::callback::Timeout::new(0, move || {
        let more = session
            .borrow_mut()
            .as_mut()
            .is_some_and(|s| s.after_first_frame(step, |findings| post(&FromWorker::Findings(findings))));
        if more {
            after_first_frame(session, step + 1);
        }
    })
    .forget();
}

fn handle(session: &Rc<RefCell<Option<Session>>>, data: JsValue) -> Result<(), JsValue> {
    // Open carries [message, blob, canvas]; everything else is the message alone.
    let parts = data.dyn_ref::<js_sys::Array>().cloned();
    let message = parts.as_ref().map_or(data.clone(), |a| a.get(0));
    match from_js::<ToWorker>(message)? {
        ToWorker::Open { name, memory_mb } => {
            let parts = parts.ok_or("Open needs the file and a canvas")?;
            let blob: Blob = parts.get(1).dyn_into()?;
            let canvas: OffscreenCanvas = parts.get(2).dyn_into()?;
            // Nothing else comes before Loaded: the page talks to a worker once it has shown it.
            let session = Rc::clone(session);
            wasm_bindgen_futures::spawn_local(async move {
                let opened = Session::open(&name, &blob, canvas, memory_mb, |p| post(&FromWorker::Progress(p))).await;
                if let Some((s, loaded)) = opened.session {
                    *session.borrow_mut() = Some(s);
                    post(&FromWorker::Loaded(loaded));
                }
                if let Some(failure) = opened.error {
                    post(&FromWorker::Failed(failure));
                }
            });
        }
        ToWorker::Render(frame) => {
            if let Some(s) = session.borrow_mut().as_mut() {
                post(&FromWorker::Rendered(s.render(&frame, now)));
                if s.first_frame() {
                    after_first_frame(Rc::clone(session), 0);
                }
            }
        }
        ToWorker::Pick { frame, x, y } => {
            post(&FromWorker::Picked(session.borrow().as_ref().and_then(|s| s.pick(&frame, x, y))));
        }
        ToWorker::Goroutine { id } => {
            post(&FromWorker::Goroutine(session.borrow().as_ref().and_then(|s| s.goroutine(id))));
        }
        ToWorker::Reveal { frame, id } => {
            post(&FromWorker::Revealed(session.borrow().as_ref().and_then(|s| s.reveal(&frame, id))));
        }
        ToWorker::Query(q) => {
            if let Some(s) = session.borrow_mut().as_mut() {
                let (started, name) = (now(), q.timing_name());
                let answer = match s.query(q) {
                    Ok(a) => FromWorker::Answer(a),
                    Err(message) => FromWorker::Unanswered { message },
                };
                post(&answer);
                stage(name, started);
            }
        }
    }
    Ok(())
}
