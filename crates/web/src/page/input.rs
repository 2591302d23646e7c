//! Timeline navigation as go tool trace teaches it: W/S zoom in and out at the mouse, A/D pan,
//! drag to pan, the wheel scrolls (with Ctrl, or a touchpad pinch, it zooms; Shift or a
//! sideways swipe pans), double-click zooms in, 0 fits the whole trace, ? lists the keys.

use super::app::Shared;
use super::dom::{by_id, on, show, toggle};
use gloo::events::{EventListener, EventListenerOptions};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlSelectElement, KeyboardEvent, MouseEvent, WheelEvent};

/// One W or S press (and each key repeat while held) zooms by this factor.
const KEY_ZOOM: f64 = 1.25;
/// One A or D press pans by this fraction of the visible time.
const KEY_PAN: f64 = 0.1;
/// A press and release closer than this (CSS px) is a click, not a drag.
const CLICK_SLOP: f64 = 3.0;

pub fn attach(app: Shared) -> Result<(), JsValue> {
    let host = by_id("timeline")?;
    let window = web_sys::window().ok_or("no window")?;
    let keys_help = by_id("keys")?;
    // Where the mouse is over the canvas (zoom anchor) and where a drag began.
    let mouse = Rc::new(Cell::new(None::<(f64, f64)>));
    let pressed = Rc::new(Cell::new(None::<(f64, f64, f64, f64)>));
    let local = {
        let host = host.clone();
        move |e: &MouseEvent| {
            // Relative to the canvas, which starts inside the host's border.
            let r = host.get_bounding_client_rect();
            let (x, y) = (e.client_x() as f64 - r.left(), e.client_y() as f64 - r.top());
            (x - f64::from(host.client_left()), y - f64::from(host.client_top()))
        }
    };
    let mut listeners = Vec::new();

    listeners.push({
        let (mouse, pressed, local) = (mouse.clone(), pressed.clone(), local.clone());
        EventListener::new(&host, "mousedown", move |e| {
            let Some(e) = e.dyn_ref::<MouseEvent>() else { return };
            if e.button() == 0 {
                let (x, y) = local(e);
                pressed.set(Some((x, y, x, y)));
                mouse.set(Some((x, y)));
            }
        })
    });
    listeners.push({
        let (app, mouse, pressed, local) = (app.clone(), mouse.clone(), pressed.clone(), local.clone());
        EventListener::new(&window, "mousemove", move |e| {
            let Some(e) = e.dyn_ref::<MouseEvent>() else { return };
            let (x, y) = local(e);
            mouse.set(Some((x, y)));
            if let Some((x0, y0, lx, ly)) = pressed.get() {
                pressed.set(Some((x0, y0, x, y)));
                app.navigate(|n| n.drag(x - lx, y - ly));
            }
        })
    });
    listeners.push({
        let (app, pressed, local) = (app.clone(), pressed.clone(), local.clone());
        EventListener::new(&window, "mouseup", move |e| {
            let Some(e) = e.dyn_ref::<MouseEvent>() else { return };
            if let Some((x0, y0, _, _)) = pressed.take() {
                let (x, y) = local(e);
                if (x - x0).abs() < CLICK_SLOP && (y - y0).abs() < CLICK_SLOP {
                    app.click(x, y);
                }
            }
        })
    });
    listeners.push({
        let (app, local) = (app.clone(), local.clone());
        EventListener::new(&host, "dblclick", move |e| {
            let Some(e) = e.dyn_ref::<MouseEvent>() else { return };
            let (x, _) = local(e);
            app.navigate(|n| n.frame.view.zoom_at(x, 2.0));
        })
    });
    listeners.push({
        let (app, local) = (app.clone(), local.clone());
        EventListener::new_with_options(&host, "wheel", EventListenerOptions::enable_prevent_default(), move |e| {
            let Some(e) = e.dyn_ref::<WheelEvent>() else { return };
            e.prevent_default();
            let (x, _) = local(e);
            // Lines or pages on some mice: make them pixels.
            let unit = match e.delta_mode() {
                1 => 16.0,
                2 => 400.0,
                _ => 1.0,
            };
            let (dx, dy) = (e.delta_x() * unit, e.delta_y() * unit);
            app.navigate(|n| {
                if e.ctrl_key() || e.meta_key() {
                    n.frame.view.zoom_at(x, (-dy / 200.0).exp());
                } else if e.shift_key() {
                    n.frame.view.pan(dy / n.frame.view.plot_width());
                } else {
                    n.frame.view.pan(dx / n.frame.view.plot_width());
                    n.scroll(dy);
                }
            });
        })
    });
    listeners.push({
        let (app, mouse, help) = (app.clone(), mouse.clone(), keys_help.clone());
        EventListener::new_with_options(&window, "keydown", EventListenerOptions::enable_prevent_default(), move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let at = mouse.get().map(|m| m.0);
            let handled = match e.key().as_str() {
                "w" | "W" => zoom(&app, at, KEY_ZOOM),
                "s" | "S" => zoom(&app, at, 1.0 / KEY_ZOOM),
                "a" | "A" => pan(&app, -KEY_PAN),
                "d" | "D" => pan(&app, KEY_PAN),
                "0" => {
                    app.navigate(|n| n.fit());
                    true
                }
                "?" => {
                    toggle(&help);
                    true
                }
                "Escape" => {
                    show(&help, false);
                    false
                }
                _ => false,
            };
            if handled {
                e.prevent_default();
            }
        })
    });
    listeners.push({
        let app = app.clone();
        on("fit", "click", move |_| app.navigate(|n| n.fit()))?
    });
    listeners.push({
        let help = keys_help.clone();
        on("keys-button", "click", move |_| {
            toggle(&help);
        })?
    });
    listeners.push({
        let help = keys_help.clone();
        on("keys-close", "click", move |_| show(&help, false))?
    });
    listeners.push({
        let app = app.clone();
        on("details", "click", move |e| {
            let link = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("[data-goroutine]").ok().flatten());
            let Some(link) = link else { return };
            let number = |k: &str| link.get_attribute(k).and_then(|v| v.parse::<i64>().ok());
            if let Some(id) = number("data-goroutine") {
                app.jump(id, number("data-at"));
            }
        })?
    });
    let select: HtmlSelectElement = by_id("view-by")?.dyn_into()?;
    listeners.push({
        let (app, select2) = (app.clone(), select.clone());
        EventListener::new(&select, "change", move |_| {
            let by_thread = select2.value() == "thread";
            app.navigate(|n| n.frame.by_thread = by_thread);
        })
    });
    // The page lives as long as these listeners do.
    for l in listeners {
        l.forget();
    }
    observe_size(app)
}

/// Sizes the timeline whenever its host is laid out at a new size: the window resized, the
/// details panel opened, the timeline shown again. The observer runs after the browser's own
/// layout, so no task has to lay the page out early to learn the size.
fn observe_size(app: Shared) -> Result<(), JsValue> {
    let laid_out = Closure::<dyn FnMut()>::new({
        let app = app.clone();
        move || app.laid_out()
    });
    let observer = web_sys::ResizeObserver::new(laid_out.as_ref().unchecked_ref())?;
    observer.observe(app.host());
    laid_out.forget();
    Ok(())
}

fn zoom(app: &Shared, at: Option<f64>, factor: f64) -> bool {
    app.navigate(|n| {
        let x = at.unwrap_or(n.frame.view.width / 2.0 + crate::timeline::GUTTER / 2.0);
        n.frame.view.zoom_at(x, factor)
    });
    true
}

fn pan(app: &Shared, fraction: f64) -> bool {
    app.navigate(|n| n.frame.view.pan(fraction));
    true
}
