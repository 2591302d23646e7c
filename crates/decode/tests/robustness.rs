//! Damaged input never panics: random byte flips, cuts and splices of every vector.

mod common;

use common::fixtures;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = rng.next() as u8;
            }
            1 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            2 => d.truncate(rng.below(d.len() + 1)),
            3 => {
                let i = rng.below(d.len() + 1);
                let junk: Vec<u8> = (0..rng.below(12)).map(|_| rng.next() as u8).collect();
                d.splice(i..i, junk);
            }
            _ if d.len() > 20 => {
                // Duplicate a slice somewhere else: plausible-looking structure in odd places.
                let a = rng.below(d.len());
                let b = (a + rng.below(64)).min(d.len());
                let piece = d[a..b].to_vec();
                let at = rng.below(d.len());
                d.splice(at..at, piece);
            }
            _ => {}
        }
    }
    d
}

#[test]
fn mutated_vectors_do_not_panic() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut inputs = Vec::new();
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if (name.starts_with("v2-") || name.starts_with("fuzz-") || name.starts_with("gen-go1.2"))
            && (name.ends_with(".bin") || name.ends_with(".trace"))
        {
            inputs.push((name, std::fs::read(&p).unwrap()));
        }
    }
    inputs.sort();
    let mut runs = 0;
    for (name, data) in &inputs {
        let n = if data.len() > 10_000 { 60 } else { 1500 };
        for _ in 0..n {
            let m = mutate(&mut rng, data);
            let r = std::panic::catch_unwind(|| {
                let d = gotv_decode::decode(&m);
                // Rendering reads every side table: it must not panic either.
                d.trace.events().map(|e| e.to_string().len()).sum::<usize>()
            });
            if r.is_err() {
                let path = std::env::temp_dir().join(format!("gotv-crash-{name}"));
                let _ = std::fs::write(&path, &m);
                panic!("{name}: a mutation panicked; input saved to {}", path.display());
            }
            runs += 1;
        }
    }
    assert!(runs > 5000);
}
