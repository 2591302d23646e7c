//! A panic in wasm otherwise leaves a blank or frozen page with the cause hidden in the console.
//! On the page it is shown in place; in the worker it is sent to the page, which shows it.

use std::panic::PanicHookInfo;

pub fn install(report: impl Fn(String) + Send + Sync + 'static) {
    std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        let message = format!("gotv crashed: {info}");
        web_sys::console::error_1(&message.as_str().into());
        report(message);
    }));
}
