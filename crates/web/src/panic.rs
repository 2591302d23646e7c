//! A panic in wasm otherwise leaves a blank or frozen page with the cause hidden in the console.

use std::panic::PanicHookInfo;

pub fn install() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo<'_>| {
        let message = format!("gotv crashed: {info}");
        web_sys::console::error_1(&message.as_str().into());
        if let Some(el) = crate::dom::document().and_then(|d| d.get_element_by_id("panic")) {
            el.set_text_content(Some(&format!(
                "{message}\n\nReload the page to continue. Please report this with the trace's Go version."
            )));
            el.set_attribute("role", "alert").ok();
            el.class_list().remove_1("hidden").ok();
        }
    }));
}
