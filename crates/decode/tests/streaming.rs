//! Decoding in chunks gives exactly what decoding the whole file gives, wherever the cuts
//! fall; truncated files keep every whole generation and say where they broke.

mod common;

use common::fixtures;
use gotv_decode::{decode, Decoded, Decoder, ErrorKind};

fn render(d: &Decoded) -> String {
    let mut s: String = d.trace.events().map(|e| format!("{e}\n")).collect();
    if let Some(e) = &d.error {
        s.push_str(&format!("error: {e}\n"));
    }
    s
}

/// xorshift64*: reproducible chunk sizes without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for dir in [fixtures(), fixtures().join("..")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".bin") || name.ends_with(".trace") {
                v.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn chunked_equals_whole() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (name, data) in inputs() {
        let whole = render(&decode(&data));
        let max_chunk = if data.len() > 100_000 { 70_000 } else { 40 };
        for round in 0..3 {
            let mut d = Decoder::new();
            let mut pos = 0;
            while pos < data.len() {
                let n = (1 + rng.below(max_chunk) as usize).min(data.len() - pos);
                let p = d.feed(&data[pos..pos + n]);
                pos += n;
                assert_eq!(p.bytes, pos as u64);
                assert!(p.bytes_decoded <= p.bytes);
            }
            let got = render(&d.finish());
            assert!(got == whole, "{name}: chunked decode (round {round}) differs from whole decode");
        }
    }
}

#[test]
fn progress_reports_generations_as_they_complete() {
    let data = std::fs::read(fixtures().join("gen-go1.27-normal.trace")).unwrap();
    let mut d = Decoder::new();
    let mut seen = Vec::new();
    for chunk in data.chunks(4096) {
        let p = d.feed(chunk);
        if seen.last() != Some(&p.generation) {
            seen.push(p.generation);
        }
    }
    assert_eq!(seen, [0, 1, 2, 3]);
    let done = d.finish();
    assert!(done.error.is_none());
    assert_eq!(done.trace.len(), 10832);
}

#[test]
fn truncated_1_26_trace_keeps_whole_generations_and_names_the_break() {
    let data = std::fs::read(fixtures().join("gen-go1.27-normal.trace")).unwrap();
    let full = decode(&data);
    let gens = &full.trace.generations;
    assert_eq!(gens.len(), 3);
    // Cut in the middle of the last generation.
    let cut = data.len() - 3000;
    let d = decode(&data[..cut]);
    let err = d.error.expect("a truncated trace is an error");
    assert_eq!(err.generation, Some(3), "{err}");
    assert!(err.offset <= cut as u64, "{err}");
    // Generations 1 and 2 are delivered whole, then a Sync.
    let g3 = gens[2].first_event as usize;
    assert_eq!(d.trace.len(), g3 + 1);
    for i in 0..g3 {
        assert_eq!(d.trace.event(i).to_string(), full.trace.event(i).to_string());
    }
    assert!(err.to_string().contains("byte offset"), "{err}");
}

#[test]
fn truncated_1_25_trace_keeps_earlier_generations() {
    let data = std::fs::read(fixtures().join("gen-go1.25-normal.trace")).unwrap();
    // Cut inside the last generation's tables: like Go, the batches read so far are
    // processed, and the generation fails for its missing strings.
    let d = decode(&data[..data.len() - 10]);
    let err = d.error.expect("cut inside a batch");
    assert!(matches!(err.kind, ErrorKind::Malformed { .. }), "{err}");
    assert_eq!(err.generation, Some(3), "{err}");
    assert_eq!(d.trace.generations.len(), 2);
    // A cut at a batch boundary cannot be told from a complete trace before 1.26.
    let whole = decode(&data);
    assert!(whole.error.is_none());
}

#[test]
fn batch_cut_in_its_header_or_payload_is_an_error_with_its_offset() {
    let data = std::fs::read(fixtures().join("v2-go122-annotations.bin")).unwrap();
    for cut in [17, 20, 40] {
        let d = decode(&data[..cut]);
        let err = d.error.unwrap_or_else(|| panic!("cut at {cut}"));
        assert!(err.offset <= cut as u64 && err.offset >= 16, "cut {cut}: {err}");
    }
}

#[test]
fn not_a_trace_is_a_clear_error_and_old_format_decodes_through_the_same_entry_points() {
    let d = decode(b"<html><body>hello</body></html>");
    assert!(matches!(d.error.unwrap().kind, ErrorKind::NotATrace { .. }));
    // The old format needs its footer: fed in chunks it is decoded at the end, identically.
    let data = std::fs::read(fixtures().join("v1-http_1_21_good.trace")).unwrap();
    let whole = decode(&data);
    assert_eq!(whole.error, None);
    assert_eq!(whole.trace.len(), 791, "MANIFEST: Go 1.27 reads 791 events");
    let mut d = gotv_decode::Decoder::with_size_hint(data.len() as u64);
    for chunk in data.chunks(1000) {
        assert_eq!(d.feed(chunk).events, 0, "nothing decodes before the footer");
    }
    let chunked = d.finish();
    assert_eq!(chunked.error, None);
    assert_eq!(
        chunked.trace.events().map(|e| e.to_string()).collect::<Vec<_>>(),
        whole.trace.events().map(|e| e.to_string()).collect::<Vec<_>>()
    );
}
