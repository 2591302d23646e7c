//! The timeline against Go's answers on the committed fixtures, and frames drawn into a
//! recording painter: what a frame draws is bounded by pixels, clicks find what was drawn.

use super::goroutine::{details, flows, states};
use super::layout::LANE_H;
use super::paint::{Painter, Rgb};
use super::render::goroutine_states;
use super::{Model, Scene, Viewport, GUTTER};
use crate::protocol::{Frame, Pick};
use gotv_decode::{GoState, Trace};
use std::collections::HashMap;

#[derive(Default)]
struct Recorder {
    rects: usize,
    texts: Vec<(f64, f64, String)>,
    lines: usize,
}

impl Painter for Recorder {
    fn rect(&mut self, _: f64, _: f64, _: f64, _: f64, _: Rgb) {
        self.rects += 1;
    }
    fn text(&mut self, x: f64, y: f64, text: &str, _: Rgb, _: f64) {
        self.texts.push((x, y, text.to_string()));
    }
    fn line(&mut self, _: &[(f64, f64)], _: Rgb, _: f64) {
        self.lines += 1;
    }
    fn clip(&mut self, _: f64, _: f64, _: f64, _: f64) {}
    fn unclip(&mut self) {}
}

fn load(name: &str) -> (Trace, Model) {
    let fixture = gotv_fixtures::all().into_iter().find(|f| f.name == name).expect("fixture");
    let trace = gotv_decode::decode(&fixture.bytes()).trace;
    let gs = gotv_analysis::goroutines(&trace);
    let mut model = Model::new(&trace, &gs, &gotv_analysis::gc(&trace, 0));
    model.add_counters(&trace);
    (trace, model)
}

fn frame(m: &Model, width: f64, height: f64) -> Frame {
    Frame {
        view: Viewport::new(m.start_ns, m.end_ns, width, height, 1.0),
        by_thread: false,
        expanded: Vec::new(),
        selected: None,
        labels: crate::page::i18n::timeline_labels(),
    }
}

/// Go's execution time per goroutine (its /goroutines pages, scraped into goroutines.json).
fn go_exec_times(name: &str) -> HashMap<i64, i64> {
    go_times(name, "Execution time")
}

fn go_times(name: &str, column: &str) -> HashMap<i64, i64> {
    let fixture = gotv_fixtures::all().into_iter().find(|f| f.name == name).expect("fixture");
    let answer: serde_json::Value = serde_json::from_str(&fixture.answer("goroutines.json")).expect("json");
    let mut out = HashMap::new();
    for group in answer["groups"].as_array().expect("groups") {
        let columns = group["columns"].as_array().expect("columns");
        let Some(k) = columns.iter().position(|c| c == column) else { continue };
        for g in group["goroutines"].as_array().expect("goroutines") {
            out.insert(g["id"].as_i64().expect("id"), g["stats"][k].as_i64().expect("ns"));
        }
    }
    out
}

/// Time per goroutine in `state` over a view's lanes.
fn sum(trace: &Trace, m: &Model, lanes: &[super::model::Lane], state: GoState) -> HashMap<i64, i64> {
    let mut out: HashMap<i64, i64> = HashMap::new();
    for lane in lanes {
        for i in 0..lane.spans.len() {
            let s = lane.spans.get(trace, (m.start_ns, m.end_ns), i);
            if s.state == state {
                *out.entry(m.goroutines.ids[s.goroutine as usize]).or_default() += s.end_ns - s.start_ns;
            }
        }
    }
    out
}

fn assert_same(name: &str, what: &str, ours: &HashMap<i64, i64>, go: &HashMap<i64, i64>) {
    for (id, ns) in go {
        assert_eq!(ours.get(id).copied().unwrap_or(0), *ns, "{name} {what}: G{id}");
    }
    assert!(
        ours.iter().all(|(id, ns)| go.contains_key(id) || *ns == 0),
        "{name}: {what} of goroutines Go does not list"
    );
}

#[test]
fn spans_add_up_to_gos_execution_and_syscall_times() {
    for name in ["workshop-go1.27", "workshop-go1.22", "stress-go1.25", "nethttp-go1.26"] {
        let (trace, m) = load(name);
        let exec = go_exec_times(name);
        assert_same(name, "running on Ps", &sum(&trace, &m, &m.procs, GoState::Running), &exec);
        assert_same(name, "running on threads", &sum(&trace, &m, m.lanes(&trace, true), GoState::Running), &exec);
        // Go splits a syscall into execution and, once its P is taken, block time.
        let mut syscall = go_times(name, "Syscall execution time");
        for (id, ns) in go_times(name, "Block time (syscall)") {
            *syscall.entry(id).or_default() += ns;
        }
        syscall.retain(|_, ns| *ns > 0);
        assert_same(name, "syscalls on threads", &sum(&trace, &m, m.lanes(&trace, true), GoState::Syscall), &syscall);
    }
}

#[test]
fn lanes_hold_ordered_spans_that_do_not_overlap() {
    let (trace, m) = load("workshop-go1.27");
    assert_eq!(m.procs.len(), 2, "the workshop runs with GOMAXPROCS=2");
    assert!(m.lanes(&trace, true).len() >= 2);
    assert!(m.procs.iter().all(|l| l.spans.len() > 100));
    for lane in m.procs.iter().chain(m.lanes(&trace, true)) {
        let spans = &lane.spans;
        for i in 1..spans.len() {
            let (a, b) =
                (spans.get(&trace, (m.start_ns, m.end_ns), i - 1), spans.get(&trace, (m.start_ns, m.end_ns), i));
            assert!(a.start_ns <= a.end_ns && a.end_ns <= b.start_ns, "lane {}: {a:?} then {b:?}", lane.id);
        }
    }
}

#[test]
fn a_frame_draws_per_pixel_not_per_event() {
    let (trace, m) = load("stress-go1.27");
    let spans: usize = m.procs.iter().map(|l| l.spans.len()).sum();
    let scene = Scene { trace: &trace, model: &m };
    for width in [400.0, 1600.0] {
        let f = frame(&m, width, 2000.0);
        let mut r = Recorder::default();
        scene.render(&f, &mut r);
        let lanes = m.procs.len() + m.counters.len() * 3 + 2 + m.goroutines.groups.len();
        // A column per pixel per lane (and per counter series), plus the frame's furniture.
        let bound = lanes * (width - GUTTER) as usize + 200;
        assert!(r.rects <= bound, "{} rects for {spans} spans at {width}px (bound {bound})", r.rects);
        assert!(spans > r.rects / 2, "the fixture should have more spans than a frame draws");
    }
}

#[test]
fn zooming_in_shows_named_spans_and_a_click_finds_them() {
    let (trace, m) = load("workshop-go1.27");
    let scene = Scene { trace: &trace, model: &m };
    // The longest span on P0, zoomed to fill the middle of the plot.
    let spans = &m.procs[0].spans;
    let longest = (0..spans.len())
        .map(|i| spans.get(&trace, (m.start_ns, m.end_ns), i))
        .max_by_key(|s| s.end_ns - s.start_ns)
        .expect("a span");
    let mut f = frame(&m, 1200.0, 800.0);
    let pad = (longest.end_ns - longest.start_ns) as f64;
    f.view.show(longest.start_ns as f64 - pad, longest.end_ns as f64 + pad);
    let mut r = Recorder::default();
    scene.render(&f, &mut r);
    let id = m.goroutines.ids[longest.goroutine as usize];
    let label = format!("G{id} {}", m.goroutines.name(longest.goroutine));
    let (x, y, _) = r.texts.iter().find(|t| t.2 == label).unwrap_or_else(|| panic!("no label {label}"));
    match scene.pick(&f, x + 5.0, y - 5.0) {
        Some(Pick::Span { goroutine, start_ns, end_ns, state }) => {
            assert_eq!((goroutine, start_ns, end_ns), (id, longest.start_ns, longest.end_ns));
            assert_eq!(state, "Running");
        }
        other => panic!("the click found {other:?}"),
    }
    // Axis labels are times from the trace's start, never negative inside the trace.
    assert!(r.texts.iter().any(|t| t.1 < super::viewport::AXIS && t.2.ends_with("ms")));
}

#[test]
fn a_group_expands_into_one_lane_per_goroutine() {
    let (trace, m) = load("workshop-go1.27");
    let scene = Scene { trace: &trace, model: &m };
    let busiest = &m.goroutines.groups[0];
    assert_eq!(busiest.name, "main.(*server).handleSearch.func1");
    let mut f = frame(&m, 1200.0, 4000.0);
    let mut r = Recorder::default();
    let collapsed = scene.render(&f, &mut r);
    let header = r.texts.iter().find(|t| t.2.contains(&busiest.name)).expect("the group's header");
    // Its row counts its goroutines as the page does, thousands separated (1,720).
    let count = format!("{} goroutines", gotv_analysis::grouped(busiest.members.len() as u64));
    assert!(busiest.members.len() >= 1000 && r.texts.iter().any(|t| t.2.starts_with(&count)), "a row saying {count}");
    assert_eq!(scene.pick(&f, 50.0, header.1 - 5.0).map(|p| format!("{p:?}")), Some("Group { index: 0 }".into()));
    f.expanded.push(0);
    let mut r = Recorder::default();
    let expanded = scene.render(&f, &mut r);
    assert_eq!(expanded - collapsed, busiest.members.len() as f64 * super::layout::LANE_H);
    let first = m.goroutines.ids[busiest.members[0] as usize];
    assert!(r.texts.iter().any(|t| t.2.trim() == format!("G{first}")), "a lane labelled G{first}");
}

#[test]
fn a_goroutine_lane_covers_its_life_and_its_story_reads_as_go_tells_it() {
    let (trace, m) = load("workshop-go1.27");
    let group = &m.goroutines.groups[0];
    let id = m.goroutines.ids[group.members[0] as usize];
    let life = states(&trace, id, (m.start_ns, m.end_ns), f64::MIN, f64::MAX);
    assert!(life.windows(2).all(|w| w[0].end_ns == w[1].start_ns), "states follow each other");
    let exec: i64 = life.iter().filter(|s| s.state == GoState::Running).map(|s| s.end_ns - s.start_ns).sum();
    assert_eq!(exec, go_exec_times("workshop-go1.27")[&id]);

    let d = details(&trace, id, &group.name);
    let whats: Vec<&str> = d.events.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(whats.first(), Some(&"GoCreate"));
    assert_eq!(whats.last(), Some(&"GoEnd"));
    assert!(whats.contains(&"GoStart"));
    assert!(d.created_by.is_some());
    assert!(d.events.windows(2).all(|w| w[0].time_ns <= w[1].time_ns));
    let create = &d.events[0];
    assert!(create.stack.iter().any(|(func, _)| func.contains("handleSearch")), "{:?}", create.stack);
    // Every start after a creation or an unblock is a flow arrow.
    let starts = whats.iter().filter(|w| **w == "GoStart").count();
    let wakes = whats.iter().filter(|w| matches!(**w, "GoCreate" | "GoUnblock")).count();
    assert_eq!(flows(&trace, id, (f64::MIN, f64::MAX), 0.0).len(), wakes.min(starts));
}

#[test]
fn a_goroutines_flows_in_a_window_are_its_flows_that_overlap_it_thinned_to_one_a_gap() {
    let (trace, m) = load("workshop-go1.27");
    let (mut checked, mut thinned) = (0, 0);
    for &member in m.goroutines.groups.iter().flat_map(|g| g.members.iter().take(3)) {
        let id = m.goroutines.ids[member as usize];
        let all = flows(&trace, id, (f64::MIN, f64::MAX), 0.0);
        let span = (m.end_ns - m.start_ns) as f64;
        for k in 0..20 {
            let t0 = m.start_ns as f64 + span * f64::from(k) / 20.0;
            let t1 = t0 + span / 7.0;
            let want: Vec<_> = all.iter().copied().filter(|f| f.to_ns as f64 >= t0 && f.from_ns as f64 <= t1).collect();
            assert_eq!(flows(&trace, id, (t0, t1), 0.0), want, "G{id} in [{t0}, {t1}]");
            checked += want.len();
            // With a gap: the first flow of each gap of time (from 0), so that every flow has a
            // kept one before it in its gap.
            let gap = span / 2000.0;
            let cell = |f: &super::goroutine::Flow| (f.from_ns as f64 / gap).floor();
            let kept = flows(&trace, id, (t0, t1), gap);
            assert!(kept.iter().all(|k| want.contains(k)), "G{id}: kept flows are flows");
            assert!(kept.windows(2).all(|w| cell(&w[0]) < cell(&w[1])), "G{id}: one a gap");
            for f in &want {
                let near = kept.iter().find(|k| cell(k) == cell(f));
                assert!(near.is_some_and(|k| k.from_ns <= f.from_ns), "G{id}: {f:?} has no kept flow in its gap");
            }
            thinned += want.len() - kept.len();
        }
    }
    assert!(checked > 100, "only {checked} flows in the windows");
    assert!(thinned > 10, "only {thinned} flows were a gap's others");
}

/// Every rectangle drawn, as (x, y, width, height, color).
#[derive(Default)]
struct Rects(Vec<(f64, f64, f64, f64, Rgb)>);

impl Painter for Rects {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: Rgb) {
        self.0.push((x, y, w, h, color));
    }
    fn text(&mut self, _: f64, _: f64, _: &str, _: Rgb, _: f64) {}
    fn line(&mut self, _: &[(f64, f64)], _: Rgb, _: f64) {}
    fn clip(&mut self, _: f64, _: f64, _: f64, _: f64) {}
    fn unclip(&mut self) {}
}

#[test]
fn a_lane_read_a_pixel_column_at_a_time_draws_what_every_state_would() {
    let (trace, m) = load("workshop-go1.27");
    let bounds = (m.start_ns, m.end_ns);
    let running = Rgb(1, 2, 3);
    // The goroutines with the most changes: their lanes have many to a pixel when zoomed out.
    let mut ids = trace.goroutine_ids().to_vec();
    ids.sort_by_key(|&id| std::cmp::Reverse(trace.goroutine_transitions(id).len()));
    // States in a pixel column already drawn: the ones the lane does not read.
    let mut sharing = 0;
    for &id in &ids[..5] {
        let mut v = Viewport::new(m.start_ns, m.end_ns, 1240.0, 640.0, 1.0);
        for level in 0..30 {
            let mut drawn = Rects::default();
            goroutine_states(&trace, id, bounds, &v, (running, true), 0.0, &mut drawn);
            // Every state in view, each drawn or not as the lane's rules say.
            let mut want = Rects::default();
            let mut column = f64::NEG_INFINITY;
            let all = states(&trace, id, bounds, v.start_ns, v.end_ns);
            for seg in &all {
                let color = match seg.state {
                    GoState::Running => running,
                    GoState::Runnable => Rgb(206, 212, 222),
                    GoState::Syscall => Rgb(142, 108, 196),
                    _ => Rgb(238, 240, 243),
                };
                let (x0, x1) = (v.x(seg.start_ns as f64).max(GUTTER - 1.0), v.x(seg.end_ns as f64).min(v.width + 1.0));
                let (w, h) = (x1 - x0, LANE_H - 2.0);
                if w >= 1.0 {
                    want.rect(x0, 1.0, w, h, color);
                    if seg.state.executing() {
                        let black = Rgb(0, 0, 0);
                        want.rect(x0, 1.0, w, 1.5, black);
                        want.rect(x0, 1.0 + h - 1.5, w, 1.5, black);
                        want.rect(x0, 1.0, 1.5, h, black);
                        want.rect(x0 + w - 1.5, 1.0, 1.5, h, black);
                    }
                    column = x1.floor();
                } else if x0.floor() > column && seg.state != GoState::Waiting {
                    column = x0.floor();
                    want.rect(column, 1.0, 1.0, h, color);
                } else {
                    sharing += 1;
                }
            }
            assert_eq!(drawn.0, want.0, "G{id} at zoom level {level}");
            v.zoom_at(180.0 + 1060.0 * [0.5, 0.3, 0.7][level % 3], 1.25);
        }
    }
    assert!(sharing > 1000, "only {sharing} states shared a pixel column: nothing to skip");
}

#[test]
fn the_selected_goroutine_gets_its_arrows_drawn() {
    let (trace, m) = load("workshop-go1.27");
    let scene = Scene { trace: &trace, model: &m };
    let id = m.goroutines.ids[m.goroutines.groups[0].members[0] as usize];
    let mut f = frame(&m, 1200.0, 800.0);
    f.selected = Some(id);
    let mut r = Recorder::default();
    scene.render(&f, &mut r);
    // Each arrow is a shaft and a head.
    assert_eq!(r.lines, 2 * flows(&trace, id, (f.view.start_ns, f.view.end_ns), f.view.ns_per_px()).len());
}

#[test]
fn where_a_column_starts_is_where_a_plain_search_says() {
    let (trace, m) = load("stress-go1.27");
    for lane in m.procs.iter().chain(m.lanes(&trace, true)) {
        let spans = &lane.spans;
        let ends: Vec<i64> = (0..spans.len()).map(|i| spans.get(&trace, (m.start_ns, m.end_ns), i).end_ns).collect();
        for &end in ends.iter().step_by(3).filter(|&&e| e < m.end_ns) {
            for t in [end - 1, end, end + 1] {
                let want = ends.partition_point(|&e| e <= t);
                assert_eq!(spans.first_ending_after(&trace, t as f64), want, "lane {} at {t}", lane.id);
                for from in [want / 2, want.saturating_sub(17), want.saturating_sub(1), want] {
                    assert_eq!(spans.first_ending_after_from(&trace, t as f64, from), want, "from {from}");
                }
            }
        }
    }
}

#[test]
fn every_goroutine_is_found_by_its_id_and_no_other_id_is() {
    let (_, m) = load("workshop-go1.27");
    let ids = &m.goroutines.ids;
    for (i, &id) in ids.iter().enumerate() {
        assert_eq!(m.goroutines.index(id), Some(i as u32));
    }
    let absent = (ids[0]..ids[ids.len() - 1]).find(|id| ids.binary_search(id).is_err());
    for id in [i64::MIN, -1, ids[ids.len() - 1] + 1, i64::MAX].into_iter().chain(absent) {
        assert_eq!(m.goroutines.index(id), None, "G{id}");
    }
}

#[test]
fn the_first_frame_has_every_row_and_the_counters_come_after() {
    let fixture = gotv_fixtures::all().into_iter().find(|f| f.name == "workshop-go1.27").expect("fixture");
    let trace = gotv_decode::decode(&fixture.bytes()).trace;
    let gs = gotv_analysis::goroutines(&trace);
    let mut m = Model::new(&trace, &gs, &gotv_analysis::gc(&trace, 0));
    let f = frame(&m, 1200.0, 800.0);
    let rows = m.row_names();
    let (mut first, mut later) = (Recorder::default(), Recorder::default());
    let height = Scene { trace: &trace, model: &m }.render(&f, &mut first);
    assert!(m.counters[0].times.is_empty() && m.counters[2].times.is_empty());
    m.add_counters(&trace);
    assert!(!m.counters[0].times.is_empty() && !m.counters[2].times.is_empty());
    assert_eq!(m.row_names(), rows);
    assert_eq!(Scene { trace: &trace, model: &m }.render(&f, &mut later), height, "the rows stay where they were");
    assert!(later.rects > first.rects);
}

/// Whatever decodes from a broken or odd file gets its timeline: the model, frames per P and
/// per thread with every group open and a goroutine selected, its story and arrows, and
/// clicks all over, without a panic (the page would show one instead of the trace).
#[test]
fn odd_and_broken_traces_get_a_timeline() {
    let mut drawn = 0;
    for path in gotv_fixtures::odd_inputs() {
        let bytes = std::fs::read(&path).expect("input");
        let result = std::panic::catch_unwind(|| {
            let trace = gotv_decode::decode(&bytes).trace;
            let gs = gotv_analysis::goroutines(&trace);
            let mut m = Model::new(&trace, &gs, &gotv_analysis::gc(&trace, 0));
            m.add_counters(&trace);
            let scene = Scene { trace: &trace, model: &m };
            let selected = m.goroutines.ids.first().copied();
            for by_thread in [false, true] {
                let mut f = frame(&m, 800.0, 2000.0);
                f.by_thread = by_thread;
                f.expanded = (0..m.goroutines.groups.len() as u32).collect();
                f.selected = selected;
                let mut r = Recorder::default();
                let height = scene.render(&f, &mut r);
                for (x, y) in [(GUTTER + 1.0, 1.0), (400.0, height / 2.0), (799.0, height - 1.0)] {
                    let _ = scene.pick(&f, x, y);
                }
            }
            if let Some(id) = selected {
                let _ = (details(&trace, id, ""), flows(&trace, id, (f64::MIN, f64::MAX), 1.0));
            }
            trace.len()
        });
        match result {
            Ok(events) => drawn += usize::from(events > 0),
            Err(_) => panic!("{}: the timeline panicked", path.display()),
        }
    }
    assert!(drawn > 300, "only {drawn} inputs had events to draw");
}
