//! The trace's indexes agree with a brute-force scan of its events.

mod common;

use common::fixtures;
use gotv_decode::{decode, GoTransition, Resource, ScopeSlot, Transition, TransitionCursor};

#[test]
fn per_goroutine_and_per_proc_lists_hold_exactly_their_events() {
    for name in ["gen-go1.27-normal.trace", "gen-go1.23-normal.trace", "v2-go122-gc-stress.bin"] {
        let d = decode(&std::fs::read(fixtures().join(name)).unwrap());
        let t = &d.trace;
        t.build_indexes();
        for &g in t.goroutine_ids() {
            let want: Vec<u32> = t
                .events()
                .filter(|e| {
                    e.goroutine() == g || matches!(e.transition(), Some(Transition::Goroutine { id, .. }) if id == g)
                })
                .map(|e| e.index() as u32)
                .collect();
            assert_eq!(t.goroutine_events(g), want.as_slice(), "{name}: goroutine {g}");
            let changes: Vec<u32> = t
                .events()
                .filter(|e| matches!(e.transition(), Some(Transition::Goroutine { id, .. }) if id == g))
                .map(|e| e.index() as u32)
                .collect();
            assert!(!changes.is_empty(), "{name}: goroutine {g} never changes");
            assert_eq!(t.goroutine_transitions(g), changes.as_slice(), "{name}: goroutine {g}'s transitions");
        }
        for &p in t.proc_ids() {
            let want: Vec<u32> = t
                .events()
                .filter(|e| e.proc() == p || matches!(e.transition(), Some(Transition::Proc { id, .. }) if id == p))
                .map(|e| e.index() as u32)
                .collect();
            assert_eq!(t.proc_events(p), want.as_slice(), "{name}: proc {p}");
        }
        assert!(t.goroutine_events(-42).is_empty());
        assert!(t.goroutine_transitions(-42).is_empty());
    }
}

#[test]
fn time_lookup_finds_window_starts() {
    let d = decode(&std::fs::read(fixtures().join("gen-go1.25-normal.trace")).unwrap());
    let t = &d.trace;
    let times: Vec<i64> = t.times().collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    for i in [0, 1, times.len() / 2, times.len() - 1] {
        assert_eq!(t.first_at_or_after(times[i]), i);
        assert_eq!(t.first_at_or_after(times[i] + 1), i + 1);
    }
    assert_eq!(t.first_at_or_after(i64::MIN), 0);
    assert_eq!(t.first_at_or_after(i64::MAX), t.len());
}

/// A pass reading reasons and transition stacks in step with the events, and goroutine
/// transitions by index, sees what the per-event accessors say.
#[test]
fn transition_cursor_and_indices_agree_with_the_accessors() {
    for name in ["gen-go1.27-normal.trace", "gen-go1.23-normal.trace", "v2-go122-gc-stress.bin"] {
        let d = decode(&std::fs::read(fixtures().join(name)).unwrap());
        let t = &d.trace;
        let mut side = TransitionCursor::default();
        let (mut reasons, mut stacks) = (0, 0);
        for ev in t.events() {
            // Only some events are asked about, as an analysis does.
            if ev.index() % 3 != 0 {
                assert_eq!(side.reason(ev), ev.reason(), "{name}: event {}", ev.index());
                reasons += usize::from(ev.reason() != 0);
            }
            if ev.index() % 2 == 0 {
                assert_eq!(side.transition_stack(ev), ev.transition_stack(), "{name}: event {}", ev.index());
                stacks += usize::from(ev.transition_stack() != gotv_decode::NO_STACK);
            }
            match (ev.transition(), ev.go_transition()) {
                (Some(Transition::Goroutine { id, from, to }), Some(GoTransition { slot, from: f, to: x })) => {
                    assert_eq!((t.goroutine_ids()[slot as usize], f, x), (id, from, to), "{name}");
                    assert_eq!(t.goroutine_slot(id), Some(slot), "{name}");
                }
                (Some(Transition::Goroutine { id, .. }), None) => assert_eq!(id, gotv_decode::NO_GOROUTINE, "{name}"),
                (_, g) => assert_eq!(g, None, "{name}"),
            }
        }
        assert!(reasons > 0 && stacks > 0, "{name}");
    }
}

/// A range's scope by index in the trace names the goroutine or proc that its scope by ID
/// does, and the event's own goroutine index is its goroutine's.
#[test]
fn range_scopes_by_index_agree_with_the_accessor() {
    for name in ["gen-go1.27-normal.trace", "gen-go1.23-normal.trace", "v2-go122-gc-stress.bin"] {
        let d = decode(&std::fs::read(fixtures().join(name)).unwrap());
        let t = &d.trace;
        let (mut on_goroutines, mut on_procs) = (0, 0);
        for ev in t.events() {
            let own = ev.goroutine_slot().map(|k| t.goroutine_ids()[k as usize]);
            assert_eq!(own.unwrap_or(gotv_decode::NO_GOROUTINE), ev.goroutine(), "{name}: event {}", ev.index());
            let (Some(r), Some((range_name, scope))) = (ev.range(), ev.range_slots()) else {
                assert!(ev.range().is_none() && ev.range_slots().is_none(), "{name}: event {}", ev.index());
                continue;
            };
            assert_eq!(range_name, r.name, "{name}: event {}", ev.index());
            let by_id = match scope {
                ScopeSlot::None => Resource::None,
                ScopeSlot::Goroutine(k) => {
                    on_goroutines += 1;
                    Resource::Goroutine(k.map_or(gotv_decode::NO_GOROUTINE, |k| t.goroutine_ids()[k as usize]))
                }
                ScopeSlot::Proc(p) => {
                    on_procs += 1;
                    Resource::Proc(p.map_or(gotv_decode::NO_PROC, |p| t.proc_ids()[p as usize]))
                }
            };
            let expected = match r.scope {
                // A thread's scope has no index here.
                Resource::Thread(_) => Resource::None,
                s => s,
            };
            assert_eq!(format!("{by_id:?}"), format!("{expected:?}"), "{name}: event {}", ev.index());
        }
        assert!(on_goroutines > 0 && on_procs > 0, "{name}: {on_goroutines} on goroutines, {on_procs} on procs");
    }
}
