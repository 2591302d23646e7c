//! Goroutine analysis (go tool trace's /goroutines): groups by start function, sortable by
//! every column; a group opens its goroutines with their time breakdown as numbers and
//! stacked bars; a goroutine opens its lane in the timeline.

use super::super::dom::{add, add_verbatim, el, set_style};
use super::super::i18n::{self, t};
use super::super::view::human_ns;
use crate::protocol::{Breakdown, GoroutineRow, GroupRow};
use gotv_analysis::grouped;
use std::cell::RefCell;
use web_sys::Element;

/// One slice of a goroutine's time: its label key, bar colour class, and nanoseconds.
type Part = (&'static str, &'static str, i64);

/// A column of the groups table: label key and the value sorted by.
type Column = (&'static str, fn(&GroupRow) -> Sort);

const COLUMNS: [Column; 7] = [
    ("col.group", |g| Sort::Text(g.name.clone())),
    ("col.count", |g| Sort::Number(g.count as i64)),
    ("col.exec", |g| Sort::Number(g.stats.exec_ns)),
    ("col.sched_wait", |g| Sort::Number(g.stats.sched_wait_ns)),
    ("col.blocked", |g| Sort::Number(blocked(&g.stats))),
    ("col.syscall", |g| Sort::Number(g.stats.syscall_ns)),
    ("col.total", |g| Sort::Number(g.stats.total_ns)),
];

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Sort {
    Text(String),
    Number(i64),
}

/// Blocked, as `gotv goroutines` counts it: every block reason and blocking syscalls.
fn blocked(s: &Breakdown) -> i64 {
    s.block_ns.iter().map(|e| e.1).sum::<i64>() + s.syscall_block_ns
}

fn range(s: &Breakdown, name: &str) -> i64 {
    s.range_ns.iter().find(|e| e.0 == name).map_or(0, |e| e.1)
}

/// The non-overlapping parts, which add up to the total.
fn parts(s: &Breakdown) -> Vec<Part> {
    let mut p = vec![("part.exec", "exec", s.exec_ns), ("part.sched_wait", "sched", s.sched_wait_ns)];
    p.push(("part.blocked", "block", s.block_ns.iter().map(|e| e.1).sum()));
    p.push(("part.syscall", "syscall", s.syscall_ns + s.syscall_block_ns));
    p.push(("part.unknown", "unknown", s.unknown_ns));
    p
}

#[derive(Default)]
struct State {
    groups: Vec<GroupRow>,
    /// Column index, and descending.
    sort: (usize, bool),
    /// The opened group: its name, goroutine count, and longest-lived goroutines.
    open: Option<(String, u64, Vec<GoroutineRow>)>,
}

pub struct Goroutines {
    root: Element,
    state: RefCell<State>,
}

impl Goroutines {
    pub fn new(root: Element) -> Goroutines {
        let g = Goroutines { root, state: RefCell::default() };
        g.reset();
        g
    }

    pub fn reset(&self) {
        *self.state.borrow_mut() = State { sort: (2, true), ..State::default() };
        self.root.set_inner_html("");
    }

    /// Sorts by goroutine count, largest first: where a goroutine explosion shows.
    pub fn by_count(&self) {
        self.state.borrow_mut().sort = (1, true);
        self.draw();
    }

    pub fn has_data(&self) -> bool {
        !self.state.borrow().groups.is_empty()
    }

    pub fn groups(&self, groups: Vec<GroupRow>) {
        self.state.borrow_mut().groups = groups;
        self.draw();
    }

    pub fn opened(&self) -> Option<String> {
        self.state.borrow().open.as_ref().map(|o| o.0.clone())
    }

    pub fn members(&self, name: String, count: u64, goroutines: Vec<GoroutineRow>) {
        self.state.borrow_mut().open = Some((name, count, goroutines));
        self.draw();
    }

    pub fn close_group(&self) {
        self.state.borrow_mut().open = None;
        self.draw();
    }

    /// A click on column `i`'s header: sort by it, or reverse the order.
    pub fn sort_by(&self, i: usize) {
        {
            let mut s = self.state.borrow_mut();
            // Names read best A to Z, numbers largest first.
            s.sort = if s.sort.0 == i { (i, !s.sort.1) } else { (i, i != 0) };
        }
        self.draw();
    }

    pub fn draw(&self) {
        self.root.set_inner_html("");
        let s = self.state.borrow();
        let Some(table) = add(&self.root, "table", "data groups", "") else { return };
        let Some(head) = add(&table, "tr", "", "") else { return };
        for (i, (key, _)) in COLUMNS.iter().enumerate() {
            let arrow = if s.sort.0 == i {
                if s.sort.1 {
                    " ▼"
                } else {
                    " ▲"
                }
            } else {
                ""
            };
            if let Some(th) = add(&head, "th", "sortable", &format!("{}{arrow}", t(key))) {
                let _ = th.set_attribute("data-sort", &i.to_string());
            }
        }
        let mut rows: Vec<&GroupRow> = s.groups.iter().collect();
        let key = COLUMNS[s.sort.0].1;
        rows.sort_by(|a, b| if s.sort.1 { key(b).cmp(&key(a)) } else { key(a).cmp(&key(b)) });
        for g in rows {
            let Some(tr) = add(&table, "tr", "group-row", "") else { continue };
            let _ = tr.set_attribute("data-group", &g.name);
            if g.name.is_empty() {
                add(&tr, "td", "name", t("group.inactive"));
            } else {
                add_verbatim(&tr, "td", "name", &g.name);
            }
            number(&tr, g.count as i64, &grouped(g.count));
            for ns in [g.stats.exec_ns, g.stats.sched_wait_ns, blocked(&g.stats), g.stats.syscall_ns, g.stats.total_ns]
            {
                number(&tr, ns, &human_ns(ns));
            }
            if s.open.as_ref().is_some_and(|o| o.0 == g.name) {
                tr.set_class_name("group-row open");
            }
        }
        if let Some((name, count, members)) = &s.open {
            self.members_table(name, *count, members);
        }
    }

    fn members_table(&self, name: &str, count: u64, members: &[GoroutineRow]) {
        let Some(section) = add(&self.root, "section", "members", "") else { return };
        let _ = section.set_attribute("data-group", name);
        if let Some(h) = add(&section, "h3", "", "") {
            if name.is_empty() {
                add(&h, "span", "", t("group.inactive"));
            } else {
                add_verbatim(&h, "span", "", name);
            }
            add(&h, "span", "", &format!(" — {}", i18n::goroutines(count, &grouped(count))));
        }
        legend(&section);
        // A column per block reason and range any goroutine of the group has.
        let mut reasons: Vec<&str> = Vec::new();
        for g in members {
            for (r, _) in &g.stats.block_ns {
                if !reasons.contains(&r.as_str()) {
                    reasons.push(r);
                }
            }
        }
        reasons.sort_unstable();
        let Some(table) = add(&section, "table", "data members", "") else { return };
        let Some(head) = add(&table, "tr", "", "") else { return };
        for key in ["col.goroutine", "col.total", "col.breakdown", "col.exec", "col.sched_wait"] {
            add(&head, "th", "", t(key));
        }
        for r in &reasons {
            if let Some(th) = add(&head, "th", "", &format!("{} (", t("col.block"))) {
                add_verbatim(&th, "span", "", r);
                add(&th, "span", "", ")");
            }
        }
        for key in ["col.syscall", "col.syscall_block", "col.gc_assist", "col.gc_sweep", "col.unknown"] {
            add(&head, "th", "", t(key));
        }
        let longest = members.iter().map(|g| g.stats.total_ns).max().unwrap_or(0).max(1);
        for g in members {
            let Some(tr) = add(&table, "tr", "goroutine-row", "") else { continue };
            let _ = tr.set_attribute("data-id", &g.id.to_string());
            if let Some(td) = add(&tr, "td", "", "") {
                if let Some(b) = add(&td, "button", "goroutine-link", &format!("G{}", g.id)) {
                    let _ = b.set_attribute("type", "button");
                    let _ = b.set_attribute("data-goroutine", &g.id.to_string());
                    let _ = b.set_attribute("data-at", &g.start_ns.unwrap_or(g.created_ns).to_string());
                }
            }
            let s = &g.stats;
            number(&tr, s.total_ns, &human_ns(s.total_ns));
            if let Some(td) = add(&tr, "td", "bar-cell", "") {
                bar(&td, &parts(s), s.total_ns as f64 / longest as f64);
            }
            number(&tr, s.exec_ns, &human_ns(s.exec_ns));
            number(&tr, s.sched_wait_ns, &human_ns(s.sched_wait_ns));
            for r in &reasons {
                let ns = s.block_ns.iter().find(|e| e.0 == *r).map_or(0, |e| e.1);
                number(&tr, ns, &human_ns(ns));
            }
            for ns in [
                s.syscall_ns,
                s.syscall_block_ns,
                range(s, "GC mark assist"),
                range(s, "GC incremental sweep"),
                s.unknown_ns,
            ] {
                number(&tr, ns, &human_ns(ns));
            }
        }
        let more = count.saturating_sub(members.len() as u64);
        if more > 0 {
            let text = if more == 1 {
                t("more.goroutine").into()
            } else {
                t("more.goroutines").replace("{n}", &grouped(more))
            };
            add(&section, "p", "more", &text);
        }
    }
}

fn number(tr: &Element, value: i64, text: &str) {
    if let Some(td) = add(tr, "td", "num", text) {
        let _ = td.set_attribute("data-value", &value.to_string());
    }
}

/// A stacked bar: one segment per part, the whole bar as long as `scale` of the cell.
fn bar(parent: &Element, parts: &[Part], scale: f64) {
    let Some(outer) = add(parent, "div", "stacked", "") else { return };
    let total: i64 = parts.iter().map(|p| p.2).sum();
    set_style(&outer, "width", &format!("{:.1}%", scale * 100.0));
    for &(key, class, ns) in parts.iter().filter(|p| p.2 > 0) {
        if let Ok(seg) = el("span", &format!("seg {class}"), "") {
            set_style(&seg, "width", &format!("{:.2}%", ns as f64 * 100.0 / total.max(1) as f64));
            let _ = seg.set_attribute("title", &format!("{}: {}", t(key), human_ns(ns)));
            let _ = outer.append_child(&seg);
        }
    }
}

fn legend(parent: &Element) {
    let Some(l) = add(parent, "p", "legend", "") else { return };
    for (key, class) in [
        ("part.exec", "exec"),
        ("part.sched_wait", "sched"),
        ("part.blocked", "block"),
        ("part.syscall", "syscall"),
        ("part.unknown", "unknown"),
    ] {
        add(&l, "span", &format!("swatch {class}"), "");
        add(&l, "span", "swatch-label", t(key));
    }
}
