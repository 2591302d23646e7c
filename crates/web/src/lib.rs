//! The gotv page. `page` is the main thread: the DOM, input, and the ways a trace arrives.
//! `worker` owns a decoded trace and draws its `timeline` into an OffscreenCanvas; `protocol`
//! is what the two say to each other. `panic` keeps a crash visible in either.

mod js_error;
mod page;
mod panic;
// Public for the native timeline benchmark (examples/timeline.rs).
pub mod protocol;
pub mod timeline;
mod worker;

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated, on the page and in workers alike.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    // Workers, and wasm-bindgen-test's runner, have no page shell to mount on.
    if page::dom::document().and_then(|d| d.get_element_by_id("app")).is_none() {
        return Ok(());
    }
    panic::install(|message| page::view::show_panic(&message));
    page::mount()
}
