//! Every `v2-*` vector behaves as its expectation says; every `gen-*` trace reads with
//! Go's event count; no fuzz input panics.

mod common;

use common::*;
use gotv_fixtures::text::to_binary;

fn error_text(d: &gotv_decode::Decoded) -> Option<String> {
    d.error.as_ref().map(|e| e.to_string())
}

#[test]
fn text_vectors_convert_to_their_binary_twins_and_meet_expectations() {
    let manifest = manifest();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, outcome) in &manifest {
        let Some(stem) = file.strip_suffix(".test") else { continue };
        let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
        let (expect, trace) = read_test(&text).unwrap();
        let bin = to_binary(&trace).unwrap_or_else(|e| panic!("{file}: {e}"));
        let twin = std::fs::read(fixtures().join(format!("{stem}.bin"))).unwrap();
        if bin != twin {
            failures.push(format!("{file}: converted bytes differ from {stem}.bin"));
        }
        let d = gotv_decode::decode(&bin);
        checked += 1;
        match (&expect, error_text(&d)) {
            (Expect::Success, Some(e)) => failures.push(format!("{file}: expected success, got {e}")),
            (Expect::Failure(want), None) => failures.push(format!("{file}: expected failure {want:?}, got success")),
            (Expect::Failure(want), Some(e)) if !e.contains(want.as_str()) => {
                failures.push(format!("{file}: expected failure {want:?}, got {e}"))
            }
            _ => {}
        }
        if let Some(n) = expected_events(file, outcome) {
            if d.trace.len() != n {
                failures.push(format!("{file}: {} events, Go reads {n}", d.trace.len()));
            }
        }
    }
    assert_eq!(checked, 22, "expected 22 .test vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_text_trace_without_sections_reads_like_go() {
    let text = std::fs::read_to_string(fixtures().join("v2-cmdtrace-go122.txt")).unwrap();
    let bin = to_binary(&text).unwrap();
    assert_eq!(bin, std::fs::read(fixtures().join("v2-cmdtrace-go122.bin")).unwrap());
    let d = gotv_decode::decode(&bin);
    assert_eq!(error_text(&d), None);
    assert_eq!(d.trace.len(), 3575);
}

#[test]
fn binary_vectors_meet_expectations() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, outcome) in manifest() {
        let is_v2 = file.starts_with("v2-") && file.ends_with(".bin");
        let is_gen = file.starts_with("gen-") && file.ends_with(".trace");
        if !is_v2 && !is_gen {
            continue;
        }
        let d = gotv_decode::decode(&std::fs::read(fixtures().join(&file)).unwrap());
        checked += 1;
        let fails = outcome.contains("FAILURE");
        match error_text(&d) {
            Some(e) if !fails => failures.push(format!("{file}: {e}")),
            None if fails => failures.push(format!("{file}: expected {outcome}, got success")),
            _ => {}
        }
        if let Some(n) = expected_events(&file, &outcome) {
            if d.trace.len() != n {
                failures.push(format!("{file}: {} events, Go reads {n}", d.trace.len()));
            }
        }
    }
    assert!(checked >= 29, "only {checked} binary vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fuzz_inputs_do_not_panic_and_fail_where_go_fails() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut last_outcome = String::new();
    for (file, outcome) in manifest() {
        if !file.starts_with("fuzz-") || !file.ends_with(".bin") {
            continue;
        }
        // "same error" refers to the row above.
        let outcome = if outcome.starts_with("same error") { last_outcome.clone() } else { outcome };
        last_outcome = outcome.clone();
        let d = gotv_decode::decode(&std::fs::read(fixtures().join(&file)).unwrap());
        checked += 1;
        let go_ok = outcome.contains("**OK**");
        match (go_ok, error_text(&d)) {
            (true, Some(e)) => failures.push(format!("{file}: Go reads it, we fail: {e}")),
            (false, None) => failures.push(format!("{file}: Go fails ({outcome}), we succeed")),
            (false, Some(e)) => {
                if let Some(want) = outcome.split('`').nth(1) {
                    if !e.contains(want) && !want.starts_with("unexpected event type") {
                        failures.push(format!("{file}: Go says {want:?}, we say {e}"));
                    }
                }
            }
            _ => {}
        }
        if let Some(n) = expected_events(&file, &outcome) {
            if d.trace.len() != n {
                failures.push(format!("{file}: {} events, Go reads {n}", d.trace.len()));
            }
        }
    }
    assert_eq!(checked, 17);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
