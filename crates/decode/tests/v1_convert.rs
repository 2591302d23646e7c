//! v1 traces in gotv's event model against Go 1.27.3's reader, which converts 1.11–1.21
//! traces to its new event model (MANIFEST.md §1 and the `v1-*.golden.txt` files).

use gotv_decode::v1;
use gotv_decode::EventKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/go/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Go 1.27.3's `ReadEvent` count until EOF, Sync events included (MANIFEST.md), and the
/// FNV-1a hash of the sorted multiset of its events' `String()` with `Time=` removed.
/// Go breaks timestamp ties at random and then moves tied events 1 ns apart, so times and
/// order within ties differ from run to run; the content of every event must not.
const GO127: &[(&str, usize, u64)] = &[
    ("v1-http_1_11_good.trace", 54, 0xbbaf7f294ea5a472),
    ("v1-http_1_19_good.trace", 2326, 0x6f67aef3840beea2),
    ("v1-http_1_21_good.trace", 791, 0x3a590215c21f737e),
    ("v1-stress_1_11_good.trace", 107356, 0x1f0921234d5f4d15),
    ("v1-stress_1_19_good.trace", 88642, 0xa07b90716c505c39),
    ("v1-stress_1_21_good.trace", 98571, 0x7d81fc4332eea7ff),
    ("v1-stress_start_stop_1_11_good.trace", 632, 0x7df78385d8073214),
    ("v1-stress_start_stop_1_19_good.trace", 1229, 0x4db0ed89fc10008e),
    ("v1-stress_start_stop_1_21_good.trace", 412, 0xcddbb9cfd8af4591),
    ("v1-user_task_region_1_11_good.trace", 33, 0x17b20a274112f8a9),
    ("v1-user_task_region_1_19_good.trace", 31, 0xe452e88f3595182c),
    ("v1-user_task_region_1_21_good.trace", 33, 0xdedf0cb66b2e2e98),
    ("v1-fmt_1_21_pprof_good.trace", 1839, 0x9d2677d76a31183d),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
}

fn without_time(event: String) -> String {
    let Some(at) = event.find(" Time=") else { return event };
    let end = event[at + 1..].find([' ', '\n']).map_or(event.len(), |i| at + 1 + i);
    format!("{}{}", &event[..at], &event[end..])
}

#[test]
fn every_event_matches_go_1_27() {
    let mut failures = Vec::new();
    for &(name, count, hash) in GO127 {
        let d = v1::decode(&fixture(name));
        if let Some(e) = d.error {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        if d.trace.len() != count {
            failures.push(format!("{name}: {} events, Go 1.27 has {count}", d.trace.len()));
        }
        let mut events: Vec<String> = d.trace.events().map(|ev| without_time(ev.to_string())).collect();
        events.sort();
        let got = fnv1a(events.join("\0").as_bytes());
        if got != hash {
            failures.push(format!("{name}: event multiset hash {got:#018x}, Go's is {hash:#018x}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn goldens_match_event_by_event() {
    for name in [
        "v1-http_1_11_good",
        "v1-user_task_region_1_11_good",
        "v1-user_task_region_1_19_good",
        "v1-user_task_region_1_21_good",
    ] {
        let want = String::from_utf8(fixture(&format!("{name}.golden.txt"))).unwrap();
        let d = v1::decode(&fixture(&format!("{name}.trace")));
        assert!(d.error.is_none(), "{name}: {:?}", d.error);
        let got: String = d.trace.events().map(|ev| format!("{ev}\n")).collect();
        if got != want {
            let (g, w): (Vec<_>, Vec<_>) = (got.lines().collect(), want.lines().collect());
            let at = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
            panic!("{name}: first difference at line {}\n  got:  {:?}\n  want: {:?}", at + 1, g.get(at), w.get(at));
        }
    }
}

#[test]
fn cpu_samples_become_stack_samples_without_a_thread() {
    let d = v1::decode(&fixture("v1-fmt_1_21_pprof_good.trace"));
    let samples: Vec<_> = d.trace.events().filter(|ev| ev.kind() == EventKind::StackSample).collect();
    assert_eq!(samples.len(), 4);
    assert!(samples.iter().all(|ev| ev.thread() == -1 && ev.stack() != 0));
}

#[test]
fn times_strictly_increase_between_the_two_syncs() {
    for &(name, ..) in GO127 {
        let d = v1::decode(&fixture(name));
        let times: Vec<i64> = d.trace.times().collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{name}");
        let kinds = d.trace.kinds();
        assert_eq!(kinds.first(), Some(&EventKind::Sync), "{name}");
        assert_eq!(kinds.last(), Some(&EventKind::Sync), "{name}");
    }
}
