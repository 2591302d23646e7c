//! Hand-made v1 files: each malformation is reported where it is, with Go's reason.

use gotv_decode::v1::{self, EventType};
use gotv_decode::{ErrorKind, EventKind};

/// A file with header `go 1.{minor} trace` and `body`.
fn trace(minor: u32, body: &[u8]) -> Vec<u8> {
    let mut file = format!("go 1.{minor} trace").into_bytes();
    file.resize(16, 0);
    file.extend_from_slice(body);
    file
}

// Wire bytes: type | argcode << 6, then varints (1.7+: no sequence deltas).
const BATCH_P0: [u8; 3] = [0x41, 0x00, 0x00];
const FREQUENCY_100: [u8; 2] = [0x02, 0x64];

fn malformed(minor: u32, body: &[u8]) -> (String, u64) {
    match v1::parse(&trace(minor, body)) {
        Ok(t) => panic!("parsed {} events", t.len()),
        Err(e) => {
            assert!(matches!(e.kind, ErrorKind::Malformed { .. }), "{e}");
            (e.to_string(), e.offset)
        }
    }
}

#[test]
fn a_minimal_trace_parses() {
    // Batch, ProcStart(thread 7) at tick 5, ProcStop 5 ticks later, frequency.
    let body = [&BATCH_P0[..], &[0x45, 0x05, 0x07, 0x06, 0x05], &FREQUENCY_100].concat();
    let file = trace(21, &body);
    let t = v1::parse(&file).unwrap();
    let events: Vec<_> = t.events().collect();
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventType::ProcStart, EventType::ProcStop]);
    // 100 ticks per second: 5 ticks are 50 ms.
    assert_eq!((events[0].ts, events[1].ts), (0, 50_000_000));
    assert_eq!((events[0].offset, events[1].offset), (19, 22));
}

#[test]
fn an_event_type_newer_than_the_header_is_unknown() {
    // UserLog (48) only exists from 1.11.
    let (msg, at) = malformed(10, &[&BATCH_P0[..], &[0x30]].concat());
    assert!(msg.contains("unknown event type 48"), "{msg}");
    assert_eq!(at, 19);
}

#[test]
fn a_wrong_argument_count_names_the_event() {
    // ProcStop with two values instead of one.
    let (msg, at) = malformed(21, &[&BATCH_P0[..], &[0x46, 0x01, 0x02]].concat());
    assert!(msg.contains("ProcStop has wrong number of arguments: want 1, got 2"), "{msg}");
    assert_eq!(at, 19);
}

#[test]
fn go_1_27_rules_apply_from_1_11() {
    // An event before the first batch: Go 1.21 put it on P 0, Go 1.27 rejects it.
    let body = [&[0x06, 0x01][..], &BATCH_P0, &FREQUENCY_100].concat();
    let (msg, at) = malformed(11, &body);
    assert!(msg.contains("before the first Batch"), "{msg}");
    assert_eq!(at, 16);
    assert!(v1::parse(&trace(10, &body)).is_err(), "ProcStop of a P that never started");
    // A length-prefixed event over 2048 bytes.
    let (msg, at) = malformed(19, &[&BATCH_P0[..], &[0xc4, 0x81, 0x10]].concat());
    assert!(msg.contains("limit is 2048"), "{msg}");
    assert_eq!(at, 20);
}

#[test]
fn string_table_violations() {
    let dup = [&BATCH_P0[..], &[0x25, 0x01, 0x01, b'a', 0x25, 0x01, 0x01, b'b']].concat();
    let (msg, at) = malformed(21, &dup);
    assert!(msg.contains("duplicate id 1"), "{msg}");
    assert_eq!(at, 23);
    let (msg, _) = malformed(21, &[&BATCH_P0[..], &[0x25, 0x00, 0x01, b'a']].concat());
    assert!(msg.contains("invalid id 0"), "{msg}");
}

#[test]
fn stack_records_are_bounded() {
    // Stack id 1 claiming 1001 frames (length-prefixed: id, n).
    let (msg, at) = malformed(21, &[&BATCH_P0[..], &[0xc3, 0x03, 0x01, 0xe9, 0x07]].concat());
    assert!(msg.contains("bad number of frames: 1001"), "{msg}");
    assert_eq!(at, 19);
}

#[test]
fn processor_ids_beyond_32_bits_are_rejected() {
    let (msg, at) = malformed(21, &[0x41, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00]);
    assert!(msg.contains("processor ID 4294967296 does not fit"), "{msg}");
    assert_eq!(at, 16);
}

#[test]
fn a_goroutine_that_cannot_be_ordered_is_reported() {
    // GoStart of goroutine 5 at sequence 3: nothing ever makes it runnable.
    let body = [&BATCH_P0[..], &[0x8e, 0x01, 0x05, 0x03], &FREQUENCY_100].concat();
    let (msg, at) = malformed(21, &body);
    assert!(msg.contains("no consistent ordering of events possible"), "{msg}");
    assert_eq!(at, 19);
}

#[test]
fn a_futile_wakeup_stops_conversion_where_go_does() {
    // Go 1.27 converts 1.11+ traces and has no equivalent for FutileWakeup.
    let body = [&BATCH_P0[..], &[0x24, 0x01], &FREQUENCY_100].concat();
    let file = trace(11, &body);
    assert_eq!(v1::parse(&file).unwrap().len(), 1);
    let d = v1::decode(&file);
    let err = d.error.expect("conversion error");
    assert!(err.to_string().contains("unexpected event type 36"), "{err}");
    assert_eq!(err.offset, 19);
    assert_eq!(d.trace.kinds(), [EventKind::Sync], "the events before it are kept");
}
