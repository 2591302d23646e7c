//! Decode throughput and memory over real traces, v2 and v1:
//! `cargo bench -p gotv-decode [-- FILE…]`.
//!
//! Without arguments it uses the workshop fixtures of Go 1.27 and 1.21, the v1 stress vector,
//! and the ~200 MB tests/fixtures/big/big-go1.27.trace if `cargo xtask fixtures big` made it.
//! Per file: the best decode time (MB/s of file, events/s), the trace's own heap, and the
//! process's resident memory with the decoded trace alive (VmRSS, which also holds the file's
//! bytes) and at its peak (VmHWM, which only grows: the largest file sets it). The
//! per-goroutine index is built once afterwards and timed separately.
//! `cargo xtask bench` compares the same decoder with Go's reader.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn default_inputs() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut v: Vec<PathBuf> =
        ["workshop-go1.27.trace", "workshop-go1.21.trace", "go/v1-stress_1_11_good.trace", "big/big-go1.27.trace"]
            .iter()
            .map(|f| dir.join(f))
            .collect();
    v.retain(|p| p.exists());
    v
}

/// A field of /proc/self/status in MB (0 where there is no /proc).
fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib * 1024.0 / 1e6
}

fn main() {
    let args: Vec<PathBuf> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).map(PathBuf::from).collect();
    let inputs = if args.is_empty() { default_inputs() } else { args };
    println!(
        "{:<28} {:>8} {:>9} {:>9} {:>7} {:>9} {:>6} {:>6} {:>6} {:>9}",
        "file", "MB", "events", "ms", "MB/s", "Mevents/s", "heap×", "+RSS×", "+peak×", "index ms"
    );
    for path in inputs {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let mb = data.len() as f64 / 1e6;
        // Memory first, from one decode: what loading adds to the resident set, now and at
        // its peak (the peak is only seen if it exceeds every earlier one: VmHWM never drops).
        let (rss0, hwm0) = (status_mb("VmRSS"), status_mb("VmHWM"));
        let d = gotv_decode::decode(&data);
        let (rss1, hwm1) = (status_mb("VmRSS"), status_mb("VmHWM"));
        if let Some(e) = &d.error {
            println!("{name:<28} skipped: {e}");
            continue;
        }
        let heap = d.trace.heap_bytes() as f64 / 1e6;
        let peak = if hwm1 > hwm0 { format!("{:.2}", (hwm1 - rss0) / mb) } else { "-".into() };
        drop(d);
        // Repeat small files so that the best run means something on a noisy machine.
        let reps = (100_000_000 / data.len().max(1)).clamp(3, 30);
        let mut best = Duration::MAX;
        let mut decoded = None;
        for _ in 0..reps {
            drop(decoded.take());
            let start = Instant::now();
            let d = gotv_decode::decode(&data);
            best = best.min(start.elapsed());
            decoded = Some(d);
        }
        let Some(d) = decoded else { continue };
        let start = Instant::now();
        d.trace.build_indexes();
        let index = start.elapsed();
        let secs = best.as_secs_f64();
        println!(
            "{name:<28} {mb:>8.1} {:>9} {:>9.2} {:>7.1} {:>9.2} {:>6.2} {:>6.2} {:>6} {:>9.1}",
            d.trace.len(),
            secs * 1e3,
            mb / secs,
            d.trace.len() as f64 / secs / 1e6,
            heap / mb,
            (rss1 - rss0) / mb,
            peak,
            index.as_secs_f64() * 1e3
        );
    }
    println!("heap×: the trace's heap / file size; +RSS×, +peak×: resident memory added by decoding, after and at");
    println!("the peak, / file size (the file's own bytes, read beforehand, not counted)");
}
