//! Every analysis runs on whatever a corrupt trace decodes to without panicking: bytes come
//! from files, and the page runs these unasked on every file it opens. (Debug builds check
//! arithmetic overflow, so this also catches times and counts taken from the file unchecked.)

use gotv_analysis::{
    annotations, counters, cpu_samples, findings, gc, goroutines, mmu_curve, profiles, summary, vitals, MmuFlags,
    ProfileKind,
};

/// Deterministic, so a failure reproduces.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Runs every analysis; returns how many events there were to analyze.
fn analyze_everything(bytes: &[u8]) -> usize {
    let trace = gotv_decode::decode(bytes).trace;
    let _ = summary(&trace);
    let gs = goroutines(&trace);
    let all = profiles(&trace, &gs, &ProfileKind::ALL);
    let sync = all.iter().find(|p| p.kind == ProfileKind::Sync).expect("the sync profile");
    let g = gc(&trace, 0);
    let _ = findings(&trace, &gs, &g, sync);
    let _ = vitals(&trace, &gs, &g);
    let _ = annotations(&trace, &gs);
    let _ = counters(&trace, 1_000_000);
    let _ = cpu_samples(&trace);
    let flags = MmuFlags { stw: true, background: true, assist: true, sweep: true, per_proc: false };
    let _ = mmu_curve(&trace, flags);
    let _ = mmu_curve(&trace, MmuFlags { per_proc: true, ..flags });
    trace.len()
}

#[test]
fn analyses_survive_corrupted_traces() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let (mut runs, mut substantial) = (0, 0);
    for name in ["healthy-go1.27", "annotations-go1.22", "cpuprofile-go1.25", "nethttp-go1.21"] {
        let fixture = gotv_fixtures::all().into_iter().find(|f| f.name == name).expect("fixture");
        let original = fixture.bytes();
        analyze_everything(&original);
        for _ in 0..50 {
            let mut bytes = original.clone();
            // A few flipped bytes past the header, sometimes a planted huge varint (an id,
            // a count or a time delta ten bytes long), sometimes a cut.
            for _ in 0..1 + rng.next() % 4 {
                let at = 16 + (rng.next() as usize) % (bytes.len() - 16);
                if rng.next() % 3 == 0 && at + 10 < bytes.len() {
                    bytes[at..at + 10].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
                } else {
                    bytes[at] ^= 1 << (rng.next() % 8);
                }
            }
            if rng.next() % 4 == 0 {
                bytes.truncate(16 + (rng.next() as usize) % (bytes.len() - 16));
            }
            if analyze_everything(&bytes) > 1000 {
                substantial += 1;
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 200);
    // Corruption usually ends decoding early; enough of it must leave real work to analyze.
    assert!(substantial >= 50, "only {substantial} of {runs} corrupted traces kept 1000+ events");
}

/// The same on Go's vectors and the inputs the decoder's fuzzing kept.
#[test]
fn analyses_survive_go_vectors_and_kept_fuzz_inputs() {
    let inputs = gotv_fixtures::odd_inputs();
    let panicked: Vec<String> = inputs
        .iter()
        .filter(|p| {
            let bytes = std::fs::read(p).expect("input");
            std::panic::catch_unwind(|| analyze_everything(&bytes)).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    let n = panicked.len();
    assert!(n == 0, "{n} of {} inputs made an analysis panic:\n{}", inputs.len(), panicked.join("\n"));
}
