//! What the page does with a trace once it has the bytes, whatever their source.

use crate::view;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub struct App {
    view: view::View,
}

/// Shared by the event handlers of every way to open a trace.
pub type Shared = Rc<App>;

impl App {
    pub fn mount() -> Result<Shared, JsValue> {
        Ok(Rc::new(App { view: view::View::mount()? }))
    }

    pub fn opening(&self, name: &str) {
        self.view.progress(&format!("Opening {name}…"));
    }

    /// A source could not deliver bytes (a failed fetch, an unreadable file).
    pub fn failed(&self, name: &str, message: &str) {
        self.view.error(name, message);
    }

    pub async fn open(&self, name: &str, bytes: &[u8]) {
        let version = match gotv_decode::read_header(bytes) {
            Ok(version) => version,
            Err(e) => return self.view.error(name, &e.to_string()),
        };
        self.view.progress(&match version.format() {
            gotv_decode::Format::V2 => format!("Decoding {name}…"),
            gotv_decode::Format::V1 => format!(
                "Decoding {name}: {version} traces keep their stacks and clock frequency at the end, \
                 so the whole file is read before any event is shown…"
            ),
        });
        // Let the browser paint the message before the decoder takes the thread.
        gloo::timers::future::TimeoutFuture::new(0).await;
        let decoded = gotv_decode::decode(bytes);
        let summary = gotv_analysis::summary(&decoded.trace);
        self.view.loaded(&view::Loaded { name, bytes: bytes.len(), version, summary: &summary });
        // What the workshop asks people to find, said without being asked.
        let goroutines = gotv_analysis::goroutines(&decoded.trace);
        let sync = gotv_analysis::profile(&decoded.trace, &goroutines, gotv_analysis::ProfileKind::Sync);
        self.view.findings(&gotv_analysis::findings(&decoded.trace, &goroutines, &sync));
        if let Some(e) = decoded.error {
            // Whatever decoded before the break is still worth looking at.
            self.view.error(name, &format!("{e}. Everything before that point is shown."));
        }
    }
}
