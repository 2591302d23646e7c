//! Traces Go rejects are rejected with Go's reason, the byte offset and the generation;
//! what came before the damage is kept.

use gotv_decode::{decode, Decoded};

fn uv(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn header(minor: u32) -> Vec<u8> {
    let mut h = format!("go 1.{minor} trace").into_bytes();
    h.resize(16, 0);
    h
}

/// One record: type byte and varint arguments.
fn rec(typ: u8, args: &[u64]) -> Vec<u8> {
    let mut v = vec![typ];
    for &a in args {
        uv(&mut v, a);
    }
    v
}

fn batch(gen: u64, m: u64, time: u64, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![1];
    for x in [gen, m, time, payload.len() as u64] {
        uv(&mut v, x);
    }
    v.extend_from_slice(payload);
    v
}

const NO_M: u64 = u64::MAX;

/// A minimal valid generation for 1.22/1.23: one P running, frequency, empty tables.
fn generation(gen: u64, minor: u32) -> Vec<u8> {
    let mut v = batch(gen, 1, 10, &rec(13, &[1, 0, 1])); // ProcStatus p=0 Running
    if minor >= 25 {
        v.extend(batch(gen, NO_M, 5, &[vec![50], rec(8, &[15_625_000]), rec(51, &[1, 2, 3, 4])].concat()));
    } else {
        v.extend(batch(gen, NO_M, 5, &rec(8, &[15_625_000])));
    }
    v.extend(batch(gen, NO_M, 6, &[2]));
    v.extend(batch(gen, NO_M, 7, &[4]));
    if minor >= 26 {
        v.push(52);
    }
    v
}

fn err(d: &Decoded) -> String {
    d.error.as_ref().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn minimal_generations_read_cleanly() {
    for minor in [22, 23, 25, 26] {
        let data = [header(minor), generation(1, minor), generation(2, minor)].concat();
        let d = decode(&data);
        assert!(d.error.is_none(), "1.{minor}: {}", err(&d));
        // Sync, ProcStatus, Sync, ProcStatus, final Sync.
        assert_eq!(d.trace.len(), 5, "1.{minor}");
    }
}

#[test]
fn generation_zero_is_invalid() {
    let data = [header(22), batch(0, 1, 1, &rec(13, &[1, 0, 1]))].concat();
    let d = decode(&data);
    assert!(err(&d).contains("invalid generation number 0 (at byte offset 16"), "{}", err(&d));
}

#[test]
fn skipped_generation_is_out_of_order_and_earlier_ones_survive() {
    let data = [header(23), generation(1, 23), generation(2, 23), generation(4, 23)].concat();
    let d = decode(&data);
    let e = d.error.clone().unwrap();
    assert!(e.to_string().contains("generations out of order"), "{e}");
    assert_eq!(e.generation, Some(2));
    assert_eq!(d.trace.generations.len(), 1);
}

#[test]
fn interleaved_generations_need_a_marker_in_1_26() {
    let mut g1 = generation(1, 26);
    g1.pop(); // drop the EndOfGeneration marker
    let data = [header(26), g1, generation(2, 26)].concat();
    let d = decode(&data);
    assert!(err(&d).contains("missing end-of-generation event, or generations are interleaved"), "{}", err(&d));
}

#[test]
fn a_1_26_generation_without_its_marker_is_dropped_as_truncated() {
    let mut g2 = generation(2, 26);
    g2.pop();
    let data = [header(26), generation(1, 26), g2].concat();
    let d = decode(&data);
    let e = d.error.clone().unwrap();
    assert!(e.to_string().contains("trace likely truncated"), "{e}");
    assert_eq!(e.generation, Some(2));
    // Generation 1 (Sync + ProcStatus) and the Sync before the error.
    assert_eq!(d.trace.len(), 3);
}

#[test]
fn table_errors_name_the_record() {
    let cases: [(&[u8], &str); 4] = [
        (&[8, 1, 8, 2], "found multiple frequency events"),
        (&[4, 5, 1, 0x81, 0x08], "invalid string size 1025, maximum is 1024"),
        (&[2, 3, 1, 0x81, 0x01], "invalid stack size 129, maximum is 128"),
        (&[6, 9], "expected CPU sample event, got 9"),
    ];
    for (payload, want) in cases {
        let data = [header(22), generation(1, 22), batch(1, NO_M, 9, payload)].concat();
        let d = decode(&data);
        let e = d.error.clone().unwrap_or_else(|| panic!("{want}: no error"));
        assert!(e.to_string().contains(want), "{e}");
        assert_eq!(e.generation, Some(1), "{e}");
        assert!(e.offset > 16 && e.offset < data.len() as u64, "{e}");
    }
}

#[test]
fn a_1_25_generation_needs_a_clock_snapshot() {
    let mut data = header(25);
    data.extend(batch(1, 1, 10, &rec(13, &[1, 0, 1])));
    data.extend(batch(1, NO_M, 5, &[vec![50], rec(8, &[15_625_000])].concat()));
    let d = decode(&data);
    assert!(err(&d).contains("no clock snapshot event found"), "{}", err(&d));
}

#[test]
fn framing_errors() {
    let d = decode(&[header(22), vec![7, 1, 2, 3]].concat());
    assert!(err(&d).contains("expected batch event, got event 7 (at byte offset 16"), "{}", err(&d));
    let mut big = vec![1];
    for x in [1u64, 1, 1, 65537] {
        uv(&mut big, x);
    }
    let d = decode(&[header(22), big].concat());
    assert!(err(&d).contains("invalid batch size 65537, maximum is 65536"), "{}", err(&d));
    // The end-of-generation byte does not exist before 1.26.
    let d = decode(&[header(25), generation(1, 25), vec![52]].concat());
    assert!(err(&d).contains("expected batch event, got event 52"), "{}", err(&d));
}

#[test]
fn ordering_errors_point_at_the_event() {
    // GoStart of an unknown goroutine can never advance: Go's "failed to advance".
    let mut data = header(22);
    // The payload follows the type byte and four one-byte header fields; the GoStart
    // follows the 4-byte ProcStatus.
    let ev_at = data.len() + 5 + 4;
    data.extend(batch(1, 1, 10, &[rec(13, &[1, 0, 1]), rec(16, &[1, 7, 1])].concat()));
    data.extend(batch(1, NO_M, 5, &rec(8, &[15_625_000])));
    let d = decode(&data);
    let e = d.error.unwrap();
    assert!(e.to_string().contains("failed to advance"), "{e}");
    assert_eq!(e.offset, ev_at as u64, "{e}");
    assert_eq!(e.generation, Some(1));
}
