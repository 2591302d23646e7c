//! The page's main thread: the DOM, input, and the ways a trace arrives. The trace itself
//! lives in a worker (see `crate::worker`).

mod app;
mod details;
pub mod dom;
mod input;
mod nav;
mod open;
pub mod view;

use wasm_bindgen::prelude::*;

pub fn mount() -> Result<(), JsValue> {
    let app = app::App::mount()?;
    input::attach(app.clone())?;
    open::attach(app)?;
    Ok(())
}
