//! `cargo xtask bench [--runs N] [FILE…]`: our decoder against Go's own reader on the same
//! files, in one run. Ours is `crates/decode/examples/decode_file.rs` (release build, full
//! ordering into the event model); Go's is the program below, built inside Go 1.27.3's GOROOT
//! because `internal/trace` cannot be imported from outside it. Both read the whole file into
//! memory first, time only decoding, and report their own peak RSS (VmHWM, what
//! `/usr/bin/time -v` calls "Maximum resident set size").

use crate::provision::{self, output};
use crate::{cache_dir, go, root, Result};
use std::path::PathBuf;

/// Reads every event with `trace.NewReader` + `ReadEvent`, as `go tool trace` does before
/// analysing; prints the same line per run as `decode_file`.
const GO_MAIN: &str = r#"package main

import (
	"bytes"
	"fmt"
	"internal/trace"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

func statusKiB(field string) string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
		}
	}
	return "0"
}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	runs := 1
	if len(os.Args) > 2 {
		runs, _ = strconv.Atoi(os.Args[2])
	}
	for i := 0; i < runs; i++ {
		start := time.Now()
		r, err := trace.NewReader(bytes.NewReader(data))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		events := 0
		for {
			_, err := r.ReadEvent()
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			events++
		}
		secs := time.Since(start).Seconds()
		fmt.Printf("%d %d %.6f %s %s\n", len(data), events, secs, statusKiB("VmHWM"), statusKiB("VmRSS"))
	}
}
"#;

/// Best run of one program on one file.
struct Measured {
    events: u64,
    secs: f64,
    hwm_kib: u64,
    /// Resident with the run's result alive (ours keeps the decoded trace, not the file).
    rss_kib: u64,
}

fn measure(cmd: &mut std::process::Command) -> Result<Measured> {
    let out = String::from_utf8_lossy(&output(cmd)?).into_owned();
    let mut best: Option<Measured> = None;
    let mut hwm_kib = 0;
    for line in out.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).ok_or(format!("unexpected output: {line}"));
        let m = Measured { events: num(1)? as u64, secs: num(2)?, hwm_kib: 0, rss_kib: num(4)? as u64 };
        hwm_kib = hwm_kib.max(num(3)? as u64);
        if best.as_ref().is_none_or(|b| m.secs < b.secs) {
            best = Some(m);
        }
    }
    let best = best.ok_or_else(|| format!("no output from {}", provision::describe(cmd)))?;
    Ok(Measured { hwm_kib, ..best })
}

fn build_go_reader(go: &go::Go) -> Result<PathBuf> {
    let dir = go.goroot().join("src/cmd/gotvbench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("main.go"), GO_MAIN).map_err(|e| format!("{}: {e}", dir.display()))?;
    let bin = cache_dir().join(format!("gotvbench-{}", go.version()));
    provision::run(
        go.command().args(["build", "-o"]).arg(&bin).arg("./cmd/gotvbench").current_dir(go.goroot().join("src")),
    )?;
    Ok(bin)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn run_bench(runs: usize, files: &[PathBuf]) -> Result {
    let go = go::toolchain(go::ORACLE)?;
    eprintln!("building Go {}'s reader and our decoder (release)", go.version());
    let go_bin = build_go_reader(&go)?;
    provision::run(
        std::process::Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--release", "-p", "gotv-decode", "--example", "decode_file"])
            .current_dir(root()),
    )?;
    println!(
        "{:<26} {:>9} {:>10} {:>10} {:>10} {:>7} {:>12} {:>12} {:>12} {:>7}",
        "file", "size MB", "events", "gotv MB/s", "Go MB/s", "ratio", "gotv maxRSS", "Go maxRSS", "gotv RSS", "/file"
    );
    for file in files {
        let size = std::fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?.len();
        // Each program runs once with `runs` repetitions inside: the best time, the peak RSS.
        let reps = if size > 50_000_000 { runs.min(3) } else { runs }.to_string();
        let ours = measure(
            std::process::Command::new(env!("CARGO"))
                .args(["run", "--quiet", "--release", "-p", "gotv-decode", "--example", "decode_file", "--"])
                .arg(file)
                .arg(&reps)
                .current_dir(root()),
        )?;
        let theirs = measure(std::process::Command::new(&go_bin).arg(file).arg(&reps))?;
        if ours.events != theirs.events {
            return Err(format!("{}: gotv read {} events, Go {}", file.display(), ours.events, theirs.events));
        }
        let rate = |m: &Measured| mb(size) / m.secs;
        let kib_mb = |kib: u64| mb(kib * 1024);
        println!(
            "{:<26} {:>9.1} {:>10} {:>10.1} {:>10.1} {:>6.2}x {:>9.0} MB {:>9.0} MB {:>9.0} MB {:>6.2}x",
            file.file_name().unwrap_or_default().to_string_lossy(),
            mb(size),
            ours.events,
            rate(&ours),
            rate(&theirs),
            rate(&ours) / rate(&theirs),
            kib_mb(ours.hwm_kib),
            kib_mb(theirs.hwm_kib),
            kib_mb(ours.rss_kib),
            kib_mb(ours.rss_kib) / mb(size),
        );
    }
    println!(
        "MB = 10^6 bytes. ratio: gotv speed / Go speed. maxRSS: peak resident memory, the file's bytes included (both"
    );
    println!("read it whole first); Go's reader keeps no events, gotv keeps all of them: gotv RSS is with the");
    println!("decoded trace alive after loading and the file's bytes dropped; /file: that over the file's size.");
    Ok(())
}

pub fn run(rest: &[String]) -> Result {
    let mut runs = 5;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = rest.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                runs = args.next().and_then(|n| n.parse().ok()).ok_or("--runs needs a number")?;
            }
            "-h" | "--help" => {
                eprintln!("usage: cargo xtask bench [--runs N] [FILE…]");
                return Ok(());
            }
            // Absolute, since the two programs do not run in the same directory.
            f => files.push(std::fs::canonicalize(f).map_err(|e| format!("{f}: {e}"))?),
        }
    }
    if files.is_empty() {
        let fixtures = root().join("tests/fixtures");
        files = [
            "workshop-go1.27.trace",
            "big/big-go1.27.trace",
            "big/server-go1.27.trace",
            "workshop-go1.21.trace",
            "big/big-go1.21.trace",
        ]
        .iter()
        .map(|f| fixtures.join(f))
        .filter(|p| p.exists())
        .collect();
    }
    run_bench(runs.max(1), &files)
}
