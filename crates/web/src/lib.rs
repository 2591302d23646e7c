//! The gotv page. `app` holds what the page does with a trace, independent of where the bytes
//! came from (`open`) and of how things are drawn (`view`); `panic` keeps a crash visible.

mod app;
mod dom;
mod open;
mod panic;
mod view;

use wasm_bindgen::prelude::*;

/// Entry point, called by the bootstrap script once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    panic::install();
    // The same module also runs where there is no page shell: wasm-bindgen-test's runner.
    if dom::document().and_then(|d| d.get_element_by_id("app")).is_none() {
        return Ok(());
    }
    let app = app::App::mount()?;
    open::attach(app)?;
    Ok(())
}
