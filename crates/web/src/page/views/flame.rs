//! A profile as an interactive flame graph on a canvas (callers above callees, as pprof's
//! web view draws it): a click zooms into a frame (a click on an ancestor zooms back out),
//! hovering names the frame with its numbers, and a search highlights matching functions.

use super::super::i18n::t;
use super::super::view::human_ns;
use crate::protocol::ProfileView;
use gotv_analysis::grouped;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Element, HtmlCanvasElement};

const ROW: f64 = 18.0;
/// Approximate advance of the 11px font, to cut labels without measuring each.
const CHAR_PX: f64 = 6.4;
/// Frames narrower than this are not drawn (their ancestors show their time).
const MIN_PX: f64 = 0.5;
const ROOT: usize = 0;
/// The tooltip's width (its CSS max-width).
const TOOLTIP_PX: f64 = 360.0;

/// One frame in one calling context.
pub struct Node {
    /// Index into the profile's frames; `None` for the root.
    pub frame: Option<u32>,
    parent: usize,
    children: Vec<usize>,
    pub total: i64,
    pub self_value: i64,
    pub count: u64,
    depth: usize,
}

/// The calling-context tree of a profile: the root holds every sample.
pub struct Tree {
    pub nodes: Vec<Node>,
}

impl Tree {
    pub fn new(p: &ProfileView) -> Tree {
        let mut nodes =
            vec![Node { frame: None, parent: ROOT, children: Vec::new(), total: 0, self_value: 0, count: 0, depth: 0 }];
        for s in &p.samples {
            let mut at = ROOT;
            nodes[ROOT].total += s.value;
            nodes[ROOT].count += s.count;
            // Stacks are leaf first; the tree grows from the outermost caller.
            for &f in s.stack.iter().rev() {
                let child = nodes[at].children.iter().copied().find(|&c| nodes[c].frame == Some(f));
                let child = child.unwrap_or_else(|| {
                    let depth = nodes[at].depth + 1;
                    nodes.push(Node {
                        frame: Some(f),
                        parent: at,
                        children: Vec::new(),
                        total: 0,
                        self_value: 0,
                        count: 0,
                        depth,
                    });
                    let c = nodes.len() - 1;
                    nodes[at].children.push(c);
                    c
                });
                nodes[child].total += s.value;
                nodes[child].count += s.count;
                at = child;
            }
            nodes[at].self_value += s.value;
        }
        // The heaviest callee first, at the left: the eye starts there.
        for i in 0..nodes.len() {
            let mut c = std::mem::take(&mut nodes[i].children);
            c.sort_by_key(|&k| std::cmp::Reverse(nodes[k].total));
            nodes[i].children = c;
        }
        Tree { nodes }
    }

    fn ancestors(&self, node: usize) -> Vec<usize> {
        let mut path = vec![node];
        let mut at = node;
        while at != ROOT {
            at = self.nodes[at].parent;
            path.push(at);
        }
        path.reverse();
        path
    }
}

pub struct Flame {
    canvas: HtmlCanvasElement,
    tooltip: Element,
    profile: ProfileView,
    tree: Tree,
    zoom: usize,
    search: String,
    /// What was drawn where: node, x, y, width (CSS px).
    boxes: Vec<(usize, f64, f64, f64)>,
}

impl Flame {
    pub fn new(canvas: HtmlCanvasElement, tooltip: Element) -> Flame {
        Flame {
            canvas,
            tooltip,
            profile: ProfileView::default(),
            tree: Tree { nodes: Vec::new() },
            zoom: ROOT,
            search: String::new(),
            boxes: Vec::new(),
        }
    }

    pub fn set(&mut self, profile: ProfileView) {
        self.load(profile);
        self.draw();
    }

    fn load(&mut self, profile: ProfileView) {
        self.tree = Tree::new(&profile);
        self.profile = profile;
        self.zoom = ROOT;
    }

    /// Empties it for a new trace, without drawing: drawing reads the canvas's width, which
    /// lays out the page while the new trace's views are being built.
    pub fn clear(&mut self) {
        self.load(ProfileView::default());
        self.boxes.clear();
        let _ = self.canvas.set_attribute("data-total", "0");
        self.canvas.set_height(0);
    }

    pub fn profile(&self) -> &ProfileView {
        &self.profile
    }

    pub fn search(&mut self, text: &str) {
        self.search = text.to_lowercase();
        self.draw();
    }

    fn name(&self, node: usize) -> &str {
        match self.tree.nodes[node].frame {
            Some(f) => self.profile.frames.get(f as usize).map_or("?", |f| f.func.as_str()),
            None => t("flame.root"),
        }
    }

    fn matches(&self, node: usize) -> bool {
        !self.search.is_empty()
            && self.tree.nodes[node].frame.is_some()
            && self.name(node).to_lowercase().contains(&self.search)
    }

    /// A value as the profile measures it: a delay, or CPU samples.
    pub fn value(&self, v: i64) -> String {
        if self.profile.unit == "samples" {
            format!("{} {}", grouped(v.max(0) as u64), t("unit.samples"))
        } else {
            human_ns(v)
        }
    }

    pub fn draw(&mut self) {
        self.boxes.clear();
        let _ = self.canvas.set_attribute("data-total", &self.tree.nodes.first().map_or(0, |n| n.total).to_string());
        let Some(ctx) = context(&self.canvas) else { return };
        let width = (self.canvas.client_width() as f64).max(300.0);
        let Some(zoomed) = self.tree.nodes.get(self.zoom) else {
            self.canvas.set_height(0);
            return;
        };
        let path = self.tree.ancestors(self.zoom);
        // Ancestors span the width; the zoomed frame's callees share it by their time.
        for &a in &path {
            self.boxes.push((a, 0.0, self.tree.nodes[a].depth as f64 * ROW, width));
        }
        let scale = width / zoomed.total.max(1) as f64;
        let mut stack = vec![(self.zoom, 0.0)];
        while let Some((n, x)) = stack.pop() {
            let mut cx = x;
            for &c in &self.tree.nodes[n].children {
                let w = self.tree.nodes[c].total as f64 * scale;
                if w >= MIN_PX {
                    self.boxes.push((c, cx, self.tree.nodes[c].depth as f64 * ROW, w));
                    stack.push((c, cx));
                }
                cx += w;
            }
        }
        let height = self.boxes.iter().map(|b| b.2 + ROW).fold(ROW, f64::max);
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        self.canvas.set_width((width * dpr).round() as u32);
        self.canvas.set_height((height * dpr).round() as u32);
        super::super::dom::set_style(&self.canvas, "height", &format!("{height}px"));
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        ctx.set_font("11px ui-monospace, monospace");
        ctx.set_text_baseline("middle");
        let searching = !self.search.is_empty();
        for &(n, x, y, w) in &self.boxes {
            let name = self.name(n);
            let fill = if self.matches(n) {
                "#c026d3".to_string()
            } else if n == ROOT {
                "#bdc1c6".to_string()
            } else {
                let h = name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 50;
                let saturation = if searching { 15 } else { 75 };
                format!("hsl({}, {saturation}%, {}%)", 10 + h, 62 + h % 12)
            };
            ctx.set_fill_style_str(&fill);
            ctx.fill_rect(x + 0.5, y + 0.5, (w - 1.0).max(0.5), ROW - 1.0);
            let fits = ((w - 6.0) / CHAR_PX) as usize;
            if fits >= 3 {
                let label: String = if name.chars().count() <= fits {
                    name.to_string()
                } else {
                    name.chars().take(fits - 1).chain(std::iter::once('…')).collect()
                };
                ctx.set_fill_style_str("#1d1d1f");
                let _ = ctx.fill_text(&label, x + 3.0, y + ROW / 2.0);
            }
        }
        let _ = self.canvas.set_attribute("data-zoom", if self.zoom == ROOT { "" } else { self.name(self.zoom) });
        let _ = self.canvas.set_attribute("data-zoom-total", &zoomed.total.to_string());
        let matched: i64 = self.matched_total();
        let _ = self.canvas.set_attribute("data-matched", &matched.to_string());
    }

    /// Time in frames matching the search, each sample counted once.
    fn matched_total(&self) -> i64 {
        if self.search.is_empty() {
            return 0;
        }
        let mut total = 0;
        let mut stack = vec![ROOT];
        while let Some(n) = stack.pop() {
            if self.matches(n) {
                total += self.tree.nodes[n].total;
            } else {
                stack.extend(&self.tree.nodes[n].children);
            }
        }
        total
    }

    fn at(&self, x: f64, y: f64) -> Option<usize> {
        self.boxes.iter().rev().find(|b| x >= b.1 && x < b.1 + b.3 && y >= b.2 && y < b.2 + ROW).map(|b| b.0)
    }

    pub fn zoom_out(&mut self) {
        self.zoom = ROOT;
        self.draw();
    }

    pub fn click(&mut self, x: f64, y: f64) {
        if let Some(n) = self.at(x, y) {
            self.zoom = n;
            self.draw();
        }
    }

    pub fn hover(&self, x: f64, y: f64) {
        let Some(n) = self.at(x, y) else {
            super::super::dom::show(&self.tooltip, false);
            return;
        };
        let node = &self.tree.nodes[n];
        let whole = self.tree.nodes[ROOT].total.max(1) as f64;
        let place = node
            .frame
            .and_then(|f| self.profile.frames.get(f as usize))
            .map_or(String::new(), |f| format!("{}:{}", f.file, f.line));
        self.tooltip.set_inner_html("");
        let add = |class: &str, text: &str| super::super::dom::add(&self.tooltip, "div", class, text);
        let verbatim = |class: &str, text: &str| super::super::dom::add_verbatim(&self.tooltip, "div", class, text);
        if node.frame.is_some() {
            verbatim("func", self.name(n));
        } else {
            add("func", self.name(n));
        }
        if !place.is_empty() {
            verbatim("at", &place);
        }
        add("", &format!("{}: {} ({:.1}%)", t("col.total"), self.value(node.total), node.total as f64 * 100.0 / whole));
        add("", &format!("{}: {}", t("col.self"), self.value(node.self_value)));
        add("", &format!("{}: {}", t("col.count"), grouped(node.count)));
        // Left of the pointer in the right third, so the tooltip stays on the page.
        let width = self.canvas.client_width() as f64;
        let left = if x > width * 2.0 / 3.0 { (x - 12.0 - TOOLTIP_PX).max(0.0) } else { x + 12.0 };
        super::super::dom::set_style(&self.tooltip, "left", &format!("{left}px"));
        super::super::dom::set_style(&self.tooltip, "top", &format!("{}px", y + 12.0));
        super::super::dom::show(&self.tooltip, true);
    }

    pub fn leave(&self) {
        super::super::dom::show(&self.tooltip, false);
    }
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{SampleView, SourceLine};

    fn frame(func: &str) -> SourceLine {
        SourceLine { func: func.into(), file: "f.go".into(), line: 1 }
    }

    #[test]
    fn callers_hold_their_callees_time_and_leaves_their_own() {
        // Frames: 0 main, 1 work, 2 lock. Stacks are leaf first.
        let p = ProfileView {
            frames: vec![frame("main"), frame("work"), frame("lock")],
            samples: vec![
                SampleView { stack: vec![2, 1, 0], count: 3, value: 30 },
                SampleView { stack: vec![1, 0], count: 1, value: 5 },
                SampleView { stack: vec![2, 0], count: 2, value: 10 },
            ],
            unit: "delay".into(),
        };
        let t = Tree::new(&p);
        let root = &t.nodes[ROOT];
        assert_eq!((root.total, root.count), (45, 6));
        let main = root.children[0];
        assert_eq!((t.nodes[main].frame, t.nodes[main].total, t.nodes[main].self_value), (Some(0), 45, 0));
        let callees: Vec<(Option<u32>, i64, i64)> = t.nodes[main]
            .children
            .iter()
            .map(|&c| (t.nodes[c].frame, t.nodes[c].total, t.nodes[c].self_value))
            .collect();
        assert_eq!(callees, vec![(Some(1), 35, 5), (Some(2), 10, 10)], "heaviest first");
        assert_eq!(t.ancestors(t.nodes[main].children[0]), vec![ROOT, main, t.nodes[main].children[0]]);
    }
}
