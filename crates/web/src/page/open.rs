//! The ways a trace reaches the page: drop, file picker, the bundled demo and `?trace=URL`.
//! Nothing is sent anywhere: files are read locally, and URLs are fetched only from the page's
//! own origin.

use super::app::Shared;
use super::dom::{by_id, document, on};
use super::i18n::t;
use crate::js_error::describe;
use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{DragEvent, HtmlElement, HtmlInputElement};

/// Where the build step puts the demo trace, relative to the page.
const DEMO_URL: &str = "demo/workshop.trace";

pub fn attach(app: Shared) -> Result<(), JsValue> {
    let doc = document().ok_or("no document")?;
    let body: HtmlElement = doc.body().ok_or("no body")?;

    // Without preventDefault on dragover the browser opens the dropped file itself.
    let dragover =
        EventListener::new_with_options(&body, "dragover", EventListenerOptions::enable_prevent_default(), |e| {
            e.prevent_default();
        });
    let drop = {
        let app = app.clone();
        EventListener::new_with_options(&body, "drop", EventListenerOptions::enable_prevent_default(), move |e| {
            e.prevent_default();
            let file =
                e.dyn_ref::<DragEvent>().and_then(|d| d.data_transfer()).and_then(|t| t.files()).and_then(|f| f.get(0));
            if let Some(file) = file {
                open_file(app.clone(), file);
            }
        })
    };
    let picker: HtmlInputElement = by_id("file-input")?.dyn_into()?;
    let picked = {
        let app = app.clone();
        let input = picker.clone();
        EventListener::new(&picker, "change", move |_| {
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                open_file(app.clone(), file);
            }
            // Otherwise picking the same file again (to retry) fires no change event.
            input.set_value("");
        })
    };
    let demo_button = by_id("open-demo")?;
    let demo = {
        let app = app.clone();
        EventListener::new(&demo_button, "click", move |_| match embedded_demo() {
            Some(blob) => app.open("demo/workshop.trace", blob),
            None => open_url(app.clone(), DEMO_URL.to_string()),
        })
    };
    let cancel = {
        let app = app.clone();
        on("cancel", "click", move |_| app.cancel())?
    };
    // The page lives as long as these listeners do.
    for listener in [dragover, drop, picked, demo, cancel] {
        listener.forget();
    }
    // Disabled in the page's HTML until now: before the app has loaded they would do nothing.
    demo_button.remove_attribute("disabled")?;
    picker.set_disabled(false);

    let search = web_sys::window().ok_or("no window")?.location().search()?;
    if let Some(url) = web_sys::UrlSearchParams::new_with_str(&search)?.get("trace") {
        open_url(app, url);
    }
    Ok(())
}

/// The single-file build (for file://) carries the demo trace inline, base64-encoded.
fn embedded_demo() -> Option<web_sys::Blob> {
    let text = document()?.get_element_by_id("demo-trace")?.text_content()?;
    let binary = web_sys::window()?.atob(text.trim()).ok()?;
    // atob yields one char per byte.
    let bytes: Vec<u8> = binary.chars().map(|c| c as u8).collect();
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    web_sys::Blob::new_with_u8_array_sequence(&parts).ok()
}

fn open_file(app: Shared, file: web_sys::File) {
    let name = file.name();
    app.open(&name, file.into());
}

fn open_url(app: Shared, url: String) {
    let Ok(controller) = web_sys::AbortController::new() else {
        return app.failed(&url, "this browser cannot download files");
    };
    app.downloading(&url, controller.clone());
    spawn_local(async move {
        let result = fetch_same_origin(&url, &controller.signal()).await;
        // Cancelled: the page has said so already.
        if !app.downloaded() {
            return;
        }
        match result {
            Ok(blob) => app.open(&url, blob),
            Err(e) => app.failed(&url, &e),
        }
    });
}

async fn fetch_same_origin(url: &str, signal: &web_sys::AbortSignal) -> Result<web_sys::Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let base = window.location().href().map_err(|_| "no page URL")?;
    let resolved = web_sys::Url::new_with_base(url, &base).map_err(|_| format!("not a URL: {url}"))?;
    let origin = window.location().origin().map_err(|_| "no page origin")?;
    // file:// pages have an opaque origin ("null"); nothing can be fetched from them.
    if resolved.origin() != origin || origin == "null" {
        return Err(t("error.other_site").replace("{origin}", &origin));
    }
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(signal));
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&resolved.href(), &init))
        .await
        .map_err(|e| t("error.fetch").replace("{why}", &describe(&e)))?
        .dyn_into()
        .map_err(|_| "fetch returned no response")?;
    if !response.ok() {
        let status = format!("{} {}", response.status(), response.status_text());
        return Err(t("error.server").replace("{status}", status.trim_end()));
    }
    JsFuture::from(response.blob().map_err(|e| describe(&e))?)
        .await
        .map_err(|e| t("error.download").replace("{why}", &describe(&e)))?
        .dyn_into()
        .map_err(|_| "the download is not a file".to_string())
}
