//! The page's main thread: the DOM, input, and the ways a trace arrives. The trace itself
//! lives in a worker (see `crate::worker`).

mod app;
mod details;
pub mod dom;
pub mod i18n;
mod input;
mod link;
mod nav;
mod open;
pub mod view;
mod views;

use wasm_bindgen::prelude::*;

pub fn mount() -> Result<(), JsValue> {
    let app = app::App::mount()?;
    input::attach(app.clone())?;
    views::attach(app.clone())?;
    open::attach(app)?;
    Ok(())
}
