//! Every vendored v1 vector against Go's own outcome (tests/fixtures/go/MANIFEST.md §1).

use gotv_decode::v1::{self, Event, EventType, Trace};
use gotv_decode::ErrorKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/go/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Go 1.21.13's `len(Parse(...).Events)` for each vector (MANIFEST.md), and the FNV-1a hash
/// of the ordered stream as printed by `dump` below from the events of Go's own parser:
/// Go 1.21.13's `internal/trace` for 1.5–1.10, Go 1.27.3's `internal/trace/internal/tracev1`
/// for 1.11+ (which differ only in which goroutine GC and STW events belong to). Go breaks
/// timestamp ties at random, so lines with equal timestamps are sorted before hashing.
const VECTORS: &[(&str, usize, u64)] = &[
    ("v1-http_1_5_good.trace", 7309, 0x95bcca6e39a30be3),
    ("v1-http_1_7_good.trace", 38, 0xbb03f2d84f28f77d),
    ("v1-http_1_9_good.trace", 39, 0x31e2745f241c486a),
    ("v1-http_1_10_good.trace", 43, 0xc113c6e20090bd74),
    ("v1-http_1_11_good.trace", 55, 0xb1535814a34b04ad),
    ("v1-http_1_19_good.trace", 2005, 0x31301a9f4c1188fa),
    ("v1-http_1_21_good.trace", 836, 0x27546f98ca4c71e1),
    ("v1-stress_1_5_good.trace", 1279, 0x39258db9dfe2fec8),
    ("v1-stress_1_7_good.trace", 129510, 0x236efe92349df97f),
    ("v1-stress_1_9_good.trace", 111490, 0x77b41b14286cdb0b),
    ("v1-stress_1_10_good.trace", 113873, 0xd83307e5948ec760),
    ("v1-stress_1_11_good.trace", 104474, 0xbebb983d0810613b),
    ("v1-stress_1_19_good.trace", 85206, 0x7984d984679d8bc2),
    ("v1-stress_1_21_good.trace", 95766, 0xb68cf811e3ec068d),
    ("v1-stress_start_stop_1_5_good.trace", 1178, 0x4fe694f3b34fc622),
    ("v1-stress_start_stop_1_7_good.trace", 60, 0xb39c1393ce74796c),
    ("v1-stress_start_stop_1_9_good.trace", 1247, 0xf459dc144592ab38),
    ("v1-stress_start_stop_1_10_good.trace", 1237, 0xe3f8f23749777584),
    ("v1-stress_start_stop_1_11_good.trace", 632, 0x04b3e75b361912fb),
    ("v1-stress_start_stop_1_19_good.trace", 1199, 0x0d6efdbdd90e2752),
    ("v1-stress_start_stop_1_21_good.trace", 459, 0xc5aec8604911e376),
    ("v1-user_task_region_1_11_good.trace", 37, 0xcee4ac850c18b0c9),
    ("v1-user_task_region_1_19_good.trace", 36, 0xd86bb378b22015a9),
    ("v1-user_task_region_1_21_good.trace", 39, 0x0b90ec9e28ef9504),
    // Only in Go 1.23+'s testdata, so there is no Go 1.21 count in MANIFEST.md; this is
    // Go 1.27's tracev1 event count (before conversion).
    ("v1-fmt_1_21_pprof_good.trace", 1676, 0xdd6bc3f0fe73168c),
];

fn events(trace: &Trace) -> Vec<Event> {
    trace.events().collect()
}

/// One line per event, in the layout the Go-side dumper printed.
fn dump(trace: &Trace) -> Vec<String> {
    events(trace)
        .iter()
        .map(|ev| {
            let frames: Vec<_> = trace.stack(ev.stack).collect();
            let stk = match frames.first() {
                Some(f) => format!("{}:{:x}", frames.len(), f.pc),
                None => "0".into(),
            };
            let [a0, a1, a2, a3] = ev.args;
            if trace.version.0 < 11 {
                format!("{} {} p={} g={} args={a0},{a1},{a2} stk={stk} ts={}", ev.offset, ev.kind, ev.p, ev.g, ev.ts)
            } else {
                let name = match ev.kind {
                    EventType::STWStart => "GCSTWStart",
                    EventType::STWDone => "GCSTWDone",
                    k => k.name(),
                };
                format!("{name} p={} g={} args={a0},{a1},{a2},{a3} stk={stk} ts={}", ev.p, ev.g, ev.ts)
            }
        })
        .collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
}

fn tie_insensitive_hash(trace: &Trace) -> u64 {
    let mut lines = dump(trace);
    let events = events(trace);
    let mut start = 0;
    while start < lines.len() {
        let ts = events[start].ts;
        let end = start + events[start..].iter().take_while(|ev| ev.ts == ts).count();
        lines[start..end].sort();
        start = end;
    }
    fnv1a(lines.join("\n").as_bytes())
}

#[test]
fn every_good_vector_orders_as_go_does() {
    let mut failures = Vec::new();
    for &(name, count, hash) in VECTORS {
        let data = fixture(name);
        match v1::parse(&data) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(trace) if trace.len() != count => {
                failures.push(format!("{name}: {} events, Go has {count}", trace.len()))
            }
            Ok(trace) => {
                let got = tie_insensitive_hash(&trace);
                if got != hash {
                    failures.push(format!("{name}: ordered stream hash {got:#018x}, Go's is {hash:#018x}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unordered_1_5_trace_fails_as_in_go() {
    let err = v1::parse(&fixture("v1-stress_1_5_unordered.trace")).err().expect("Go 1.21 rejects this trace");
    assert!(matches!(err.kind, ErrorKind::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("time stamps out of order"), "{err}");
    assert!(err.offset > 16 && err.offset < 8194, "{err}");
}

#[test]
fn times_are_ns_from_the_first_event_and_sorted() {
    for &(name, ..) in VECTORS {
        let data = fixture(name);
        let trace = v1::parse(&data).unwrap();
        let events = events(&trace);
        assert_eq!(events[0].ts, 0, "{name}");
        assert!(events.windows(2).all(|w| w[0].ts <= w[1].ts), "{name}");
        assert!(trace.ticks_per_sec > 0, "{name}");
    }
}

#[test]
fn user_annotations_resolve_names_and_inline_messages() {
    let data = fixture("v1-user_task_region_1_21_good.trace");
    let trace = v1::parse(&data).unwrap();
    let events = events(&trace);
    let names = |kind| -> Vec<String> {
        events.iter().filter(|ev| ev.kind == kind).map(|ev| trace.string(ev.args[2]).into_owned()).collect()
    };
    assert_eq!(names(EventType::UserTaskCreate), ["task0"]);
    let regions = names(EventType::UserRegion);
    for want in ["region0", "region1", "post-existing region"] {
        assert!(regions.iter().any(|r| r == want), "{regions:?}");
    }
    let log = events.iter().find(|ev| ev.kind == EventType::UserLog).unwrap();
    assert_eq!(trace.string(log.args[1]), "key0");
    assert_eq!(trace.log_message(log), "0123456789abcdef");
    let frames: Vec<_> = trace.stack(log.stack).collect();
    assert!(!frames.is_empty());
    assert_eq!(trace.string(frames[0].func), "runtime/trace_test.TestUserTaskRegion.func1.1.1");
    assert!(trace.string(frames[0].file).ends_with("annotation_test.go"));
    assert_eq!((frames[0].pc, frames[0].line), (0x569bd3, 69));
}

#[test]
fn cpu_samples_keep_their_own_p_and_g() {
    let data = fixture("v1-fmt_1_21_pprof_good.trace");
    let trace = v1::parse(&data).unwrap();
    let events = events(&trace);
    let samples: Vec<_> = events.iter().filter(|ev| ev.kind == EventType::CPUSample).collect();
    assert_eq!(samples.len(), 4, "Go 1.27 converts this trace to 4 StackSample events");
    assert!(samples.iter().all(|ev| ev.stack != 0));
}

#[test]
fn pre_1_7_stacks_are_bare_pcs_and_goroutine_starts_get_their_start_pc() {
    let data = fixture("v1-http_1_5_good.trace");
    let trace = v1::parse(&data).unwrap();
    assert!(trace.strings.is_empty(), "1.5 has no string table");
    let events = events(&trace);
    let start = events.iter().find(|ev| ev.kind == EventType::GoStart && ev.stack != 0).unwrap();
    let frames: Vec<_> = trace.stack(start.stack).collect();
    assert_eq!(frames.len(), 1);
    assert!(frames[0].pc != 0 && frames[0].func == 0);
}

#[test]
fn local_events_are_rewritten_to_their_normal_forms() {
    for &(name, ..) in VECTORS {
        let data = fixture(name);
        let trace = v1::parse(&data).unwrap();
        assert!(
            !events(&trace).iter().any(|ev| matches!(
                ev.kind,
                EventType::GoStartLocal | EventType::GoUnblockLocal | EventType::GoSysExitLocal
            )),
            "{name}"
        );
    }
}
