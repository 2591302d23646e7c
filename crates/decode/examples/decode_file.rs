//! Decodes one trace file and prints what `cargo xtask bench` compares with Go:
//! `cargo run --release -p gotv-decode --example decode_file FILE [RUNS]` prints, per run,
//! `bytes events seconds vmhwm_kib vmrss_kib` (seconds cover the decoding only, not reading
//! the file; VmHWM is the peak, the file's bytes included; VmRSS is taken after the bytes
//! are dropped, with the decoded trace alive: what an application holds after loading,
//! since the trace does not borrow the file).

use std::time::Instant;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: decode_file FILE [RUNS]");
    let runs: usize = args.next().map_or(1, |r| r.parse().expect("RUNS must be a number"));
    for _ in 0..runs {
        // Read again for every run, so that each run can drop it.
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let start = Instant::now();
        let decoded = gotv_decode::decode(&data);
        let secs = start.elapsed().as_secs_f64();
        if let Some(e) = &decoded.error {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
        let bytes = data.len();
        drop(data);
        println!("{bytes} {} {secs:.6} {} {}", decoded.trace.len(), status_kib("VmHWM"), status_kib("VmRSS"));
    }
}
