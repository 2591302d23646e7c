//! A JS exception as a person reads it: its message (a `DOMException`'s too), not its debug form.

use wasm_bindgen::{JsCast, JsValue};

pub fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{e:?}"))
}
