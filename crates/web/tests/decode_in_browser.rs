//! The decoder compiled to wasm, run in Chromium: the page must see the same events Go's own
//! parser yields (counts by kind from Go 1.27.3's `go tool trace -d=parsed`, tests/fixtures).

#![cfg(target_arch = "wasm32")]

use gotv_decode::EventKind;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SUMMARY: &str = include_str!("../../../tests/fixtures/answers/SUMMARY.txt");

/// Go's count of each kind for `fixture`, from the oracle's summary table.
fn go_counts(fixture: &str) -> Vec<(EventKind, u64)> {
    let mut lines = SUMMARY.lines();
    let header: Vec<&str> = lines.next().expect("summary header").split_whitespace().collect();
    let row: Vec<&str> = lines
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cols| cols.first() == Some(&fixture))
        .unwrap_or_else(|| panic!("{fixture} is not in SUMMARY.txt"));
    let column = |name: &str| -> u64 {
        let i = header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
        row[i].parse().expect("a count")
    };
    [
        (EventKind::StateTransition, "Transition"),
        (EventKind::Metric, "Metric"),
        (EventKind::RangeBegin, "RangeBegin"),
        (EventKind::RangeEnd, "RangeEnd"),
        (EventKind::RangeActive, "RangeActive"),
        (EventKind::Label, "Label"),
        (EventKind::TaskBegin, "TaskBegin"),
        (EventKind::TaskEnd, "TaskEnd"),
        (EventKind::RegionBegin, "RegionBegin"),
        (EventKind::RegionEnd, "RegionEnd"),
        (EventKind::Log, "Log"),
        (EventKind::StackSample, "Sample"),
        (EventKind::Sync, "Sync"),
    ]
    .into_iter()
    .map(|(kind, name)| (kind, column(name)))
    .collect()
}

fn check(fixture: &str, bytes: &[u8]) {
    let decoded = gotv_decode::decode(bytes);
    assert_eq!(decoded.error, None, "{fixture}");
    for (kind, want) in go_counts(fixture) {
        let got = decoded.trace.kinds().iter().filter(|k| **k == kind).count() as u64;
        assert_eq!(got, want, "{fixture}: {kind} events");
    }
}

macro_rules! fixtures {
    ($($test:ident => $name:literal),* $(,)?) => {$(
        #[wasm_bindgen_test]
        fn $test() {
            check($name, include_bytes!(concat!("../../../tests/fixtures/", $name, ".trace")));
        }
    )*};
}

fixtures! {
    workshop_go1_21 => "workshop-go1.21",
    workshop_go1_22 => "workshop-go1.22",
    workshop_go1_25 => "workshop-go1.25",
    workshop_go1_27 => "workshop-go1.27",
    flightrecorder_go1_27 => "flightrecorder-go1.27",
    annotations_go1_23 => "annotations-go1.23",
}
