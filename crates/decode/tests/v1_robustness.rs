//! Hostile and damaged input: truncated vectors, Go's fuzz corpus, random mutations. The
//! requirement is a located error or a trace, never a panic or a hang.

use gotv_decode::v1;
use gotv_decode::ErrorKind;

fn fixtures(prefix: &str, suffix: &str) -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/../../tests/fixtures/go", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .map(|n| {
            let data = std::fs::read(format!("{dir}/{n}")).unwrap();
            (n, data)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no {prefix}*{suffix} in {dir}");
    out
}

/// Cut points: a spread over the file, denser in the footer (frequency and stacks) at the
/// end. Big files get fewer: every cut past the events costs a whole parse.
fn cuts(len: usize) -> Vec<usize> {
    let (spread, tail, last) = if len > 50_000 { (16, 16, 4) } else { (400, 300, 20) };
    let mut cuts: Vec<usize> = (0..len).step_by((len / spread).max(1)).collect();
    cuts.extend((len - len / 10..len).step_by((len / 10 / tail).max(1)));
    cuts.extend(len.saturating_sub(last)..len);
    cuts.sort();
    cuts.dedup();
    cuts
}

#[test]
fn truncated_vectors_fail_with_a_location_inside_the_cut() {
    for (name, data) in fixtures("v1-", ".trace") {
        let whole = v1::parse(&data).map(|t| t.len());
        let mut last_error_cut = 0;
        for cut in cuts(data.len()) {
            match v1::parse(&data[..cut]) {
                Err(e) => {
                    assert!(e.offset <= cut as u64, "{name} cut at {cut}: {e}");
                    last_error_cut = cut;
                }
                // Losing only some of the footer's stack records leaves every event.
                Ok(t) => assert_eq!(Ok(t.len()), whole, "{name} cut at {cut} parsed"),
            }
        }
        assert!(last_error_cut > 0, "{name}");
    }
}

#[test]
fn a_trace_without_its_footer_is_reported_as_truncated() {
    let data = std::fs::read(format!("{}/../../tests/fixtures/go/v1-http_1_11_good.trace", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    let err = v1::parse(&data[..data.len() / 2]).err().unwrap();
    assert!(matches!(err.kind, ErrorKind::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("byte offset"), "{err}");
}

/// Go's fuzz corpus holds v2 inputs; they are also fed to the v1 reader under every v1
/// header, as the bodies are arbitrary bytes to it.
#[test]
fn fuzz_corpus_never_panics() {
    for (name, data) in fixtures("fuzz-", ".bin") {
        assert!(v1::decode(&data).error.is_some(), "{name} is not a v1 trace");
        let body = data.get(16..).unwrap_or(&[]);
        for minor in [5, 7, 8, 9, 10, 11, 19, 21] {
            let mut file = format!("go 1.{minor} trace").into_bytes();
            file.resize(16, 0);
            file.extend_from_slice(body);
            if let Some(e) = v1::decode(&file).error {
                assert!(e.offset <= file.len() as u64, "{name} as 1.{minor}: {e}");
            }
        }
    }
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn mutated_vectors_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let interesting = [0x00, 0x01, 0x3f, 0x7f, 0x80, 0xc0, 0xff];
    for (name, data) in fixtures("v1-", ".trace") {
        if data.len() > 50_000 {
            continue;
        }
        for round in 0..300 {
            let mut m = data.clone();
            for _ in 0..1 + rng.below(4) {
                let at = 16 + rng.below(m.len() - 16);
                match rng.below(4) {
                    0 => m[at] ^= 1 << rng.below(8),
                    1 => m[at] = interesting[rng.below(interesting.len())],
                    2 => {
                        m.remove(at);
                    }
                    _ => m.insert(at, interesting[rng.below(interesting.len())]),
                }
            }
            // Conversion runs too: it must cope with whatever the parser let through.
            if let Some(e) = v1::decode(&m).error {
                assert!(e.offset <= m.len() as u64, "{name} round {round}: {e}");
            }
        }
    }
}

#[test]
fn declared_lengths_beyond_the_file_are_errors_not_allocations() {
    let mut file = b"go 1.21 trace\0\0\0".to_vec();
    // Batch P 0 at tick 0, then a String with a 1 MB length and no bytes.
    file.extend_from_slice(&[0x41, 0x00, 0x00, 0x25, 0x01, 0xc0, 0x84, 0x3d]);
    let err = v1::parse(&file).err().unwrap();
    assert!(matches!(err.kind, ErrorKind::Truncated { .. }), "{err}");
    // A length-prefixed event longer than Go 1.27 accepts.
    let mut file = b"go 1.21 trace\0\0\0".to_vec();
    file.extend_from_slice(&[0x41, 0x00, 0x00, 0xc4, 0xff, 0xff, 0x03]);
    let err = v1::parse(&file).err().unwrap();
    assert!(matches!(err.kind, ErrorKind::Malformed { .. }), "{err}");
    assert_eq!(err.offset, 20);
}

fn uvarint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One goroutine hops over 20 000 Ps whose batches come in reverse order: Go re-checks
/// every P for each event (quadratic: 35 s for 50 000 Ps); the merge must stay linear.
#[test]
fn ordering_stays_linear_when_many_ps_wait_for_one_goroutine() {
    const PS: u64 = 20_000;
    let mut file = b"go 1.21 trace\0\0\0".to_vec();
    // P 0 creates goroutine 1: GoCreate is length-prefixed (dt, g, new stack, stack).
    file.extend_from_slice(&[0x41, 0x00, 0x00, 0xcd, 0x04, 0x01, 0x01, 0x00, 0x00]);
    for p in (1..=PS).rev() {
        file.push(0x41);
        uvarint(p, &mut file);
        uvarint(10 * p, &mut file);
        // GoStart(g 1, seq p), then GoSched.
        file.extend_from_slice(&[0x8e, 0x01, 0x01]);
        uvarint(p, &mut file);
        file.extend_from_slice(&[0x51, 0x01, 0x00]);
    }
    file.extend_from_slice(&[0x41, 0x00, 0x00, 0x02, 0x64]);
    let trace = v1::parse(&file).unwrap();
    assert_eq!(trace.len() as u64, 1 + 2 * PS);
    let times: Vec<i64> = trace.events().map(|ev| ev.ts).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

/// Records keep goroutine IDs in 32 bits; wider ones (only in corrupt files) keep their value.
#[test]
fn goroutine_ids_wider_than_32_bits_survive_ordering() {
    const G: u64 = 1 << 40;
    let mut file = b"go 1.21 trace\0\0\0".to_vec();
    file.extend_from_slice(&[0x41, 0x00, 0x00]);
    // GoCreate (length-prefixed: dt, new g, new stack, stack), GoStart(g, seq 1), GoSched.
    let mut create = vec![0x01];
    uvarint(G, &mut create);
    create.extend_from_slice(&[0x00, 0x00]);
    file.extend_from_slice(&[0xcd, create.len() as u8]);
    file.extend_from_slice(&create);
    file.extend_from_slice(&[0x8e, 0x01]);
    uvarint(G, &mut file);
    file.extend_from_slice(&[0x01, 0x51, 0x01, 0x00]);
    file.extend_from_slice(&[0x02, 0x64]);
    let trace = v1::parse(&file).unwrap();
    let gs: Vec<(v1::EventType, u64)> = trace.events().map(|ev| (ev.kind, ev.g)).collect();
    assert_eq!(gs, [(v1::EventType::GoCreate, 0), (v1::EventType::GoStart, G), (v1::EventType::GoSched, G)]);
}
