//! The timeline: rows as go tool trace has them, drawn into a canvas. `model` is derived once
//! from the trace, `viewport` is where the user looks, `layout` stacks the rows, `render` and
//! `pick` draw a frame and hit-test it through `paint`'s small drawing trait; `goroutine` reads
//! one goroutine's story. Nothing here touches the DOM, so all of it is tested natively.

mod goroutine;
mod layout;
mod model;
pub mod paint;
mod pick;
mod render;
mod viewport;

pub use goroutine::details;
pub use model::Model;
pub use render::Scene;
pub use viewport::{Viewport, GUTTER};

// They read the fixtures from disk, which the wasm test runner cannot.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
