//! Decode throughput over real traces: `cargo bench -p gotv-decode [-- FILE…]`.
//! Without arguments it uses the committed fixtures (and the ~200 MB
//! tests/fixtures/big/big-go1.27.trace if `cargo xtask fixtures big` made it).

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn default_inputs() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(&dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "trace"));
    v.push(dir.join("big/big-go1.27.trace"));
    v.retain(|p| p.exists());
    v.sort();
    v
}

fn main() {
    let args: Vec<PathBuf> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).map(PathBuf::from).collect();
    let inputs = if args.is_empty() { default_inputs() } else { args };
    let (mut total_bytes, mut total_time) = (0u64, Duration::ZERO);
    for path in inputs {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Some(e) = gotv_decode::decode(&data).error {
            println!("{:<40} skipped: {e}", path.file_name().unwrap_or_default().to_string_lossy());
            continue;
        }
        // Repeat small files so each measurement lasts long enough to mean something.
        let reps = (50_000_000 / data.len().max(1)).clamp(1, 200);
        let mut best = Duration::MAX;
        let mut events = 0;
        let mut heap = 0;
        let mut index = Duration::ZERO;
        for _ in 0..reps.min(20) {
            let start = Instant::now();
            let d = gotv_decode::decode(&data);
            best = best.min(start.elapsed());
            events = d.trace.len();
            heap = d.trace.heap_bytes();
            // The per-goroutine and per-proc lists are built on first use.
            let start = Instant::now();
            if let Some(&g) = d.trace.goroutine_ids().first() {
                std::hint::black_box(d.trace.goroutine_events(g));
            }
            index = start.elapsed();
        }
        let mbps = data.len() as f64 / best.as_secs_f64() / 1e6;
        println!(
            "{:<40} {:>10} B {:>9} events {:>8.2} ms {:>8.1} MB/s  memory {:.2}x file  (indexing {:.1} ms)",
            path.file_name().unwrap_or_default().to_string_lossy(),
            data.len(),
            events,
            best.as_secs_f64() * 1e3,
            mbps,
            heap as f64 / data.len() as f64,
            index.as_secs_f64() * 1e3
        );
        total_bytes += data.len() as u64;
        total_time += best;
    }
    if total_time > Duration::ZERO {
        println!("total: {:.1} MB/s", total_bytes as f64 / total_time.as_secs_f64() / 1e6);
    }
}
