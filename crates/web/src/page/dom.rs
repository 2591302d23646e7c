//! Thin helpers over web-sys, so views read as a description of the page.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

pub fn document() -> Option<Document> {
    web_sys::window()?.document()
}

pub fn by_id(id: &str) -> Result<Element, JsValue> {
    document()
        .and_then(|d| d.get_element_by_id(id))
        .ok_or_else(|| JsValue::from_str(&format!("the page shell has no #{id}")))
}

/// An element with a class and text.
pub fn el(tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let doc = document().ok_or("no document")?;
    let e = doc.create_element(tag)?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    Ok(e)
}

/// Shows a hidden element, hides a shown one.
pub fn toggle(e: &Element) {
    show(e, e.class_list().contains("hidden"));
}

pub fn show(e: &Element, visible: bool) {
    let classes = e.class_list();
    let _ = if visible { classes.remove_1("hidden") } else { classes.add_1("hidden") };
}

/// Appends a new element to `parent`. A document that cannot create elements leaves nothing
/// better to do than to go without it.
pub fn add(parent: &Element, tag: &str, class: &str, text: &str) -> Option<Element> {
    let e = el(tag, class, text).ok()?;
    parent.append_child(&e).ok()?;
    Some(e)
}

/// Listens to `event` on the element with id `id`.
pub fn on(
    id: &str,
    event: &'static str,
    f: impl FnMut(&web_sys::Event) + 'static,
) -> Result<gloo::events::EventListener, JsValue> {
    let target: web_sys::EventTarget = by_id(id)?.into();
    Ok(gloo::events::EventListener::new(&target, event, f))
}

/// Sets one CSS property through the CSSOM: the page's CSP forbids `style="…"` attributes.
pub fn set_style(e: &Element, property: &str, value: &str) {
    if let Some(h) = e.dyn_ref::<web_sys::HtmlElement>() {
        let _ = h.style().set_property(property, value);
    }
}

/// Appends text that comes from the trace (function names, file paths, Go's own reason and
/// event names): marked `translate="no"`, as it stays the same in every language.
pub fn add_verbatim(parent: &Element, tag: &str, class: &str, text: &str) -> Option<Element> {
    let e = add(parent, tag, class, text)?;
    let _ = e.set_attribute("translate", "no");
    Some(e)
}
