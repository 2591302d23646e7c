//! `cargo xtask bench-web [--no-go] [--runs N] [FILE…]`: the page in Chromium against `go tool trace` on
//! the same files, on the same machine (issue 6's speed targets).
//!
//! The page's side is `tests/e2e/bench.mjs` (drop → first timeline paint, frame times during
//! scripted navigation, the worker's wasm memory). Go's side starts Go 1.27.3's `go tool trace`
//! binary on the file, times it until its web UI answers and reads its peak RSS, then stops it.
//! The two never run at the same time, so neither slows the other down.

use crate::provision::{self, output};
use crate::web::{build, Settings};
use crate::{go, root, Result};
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long `go tool trace` may take to answer: minutes for a 200 MB trace.
const GO_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What bench.mjs prints per file.
#[derive(Deserialize)]
struct Page {
    file: PathBuf,
    bytes: u64,
    first_paint_ms: f64,
    first_paint_all_ms: Vec<f64>,
    frames: u64,
    p50_ms: f64,
    p95_ms: f64,
    max_ms: f64,
    wasm_bytes: u64,
    all_views_bytes: u64,
}

struct GoTrace {
    answer_secs: f64,
    hwm_kib: u64,
}

pub fn run(rest: &[String]) -> Result {
    let mut with_go = true;
    let mut runs = 3;
    let mut files = Vec::new();
    let mut args = rest.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--no-go" => with_go = false,
            "--runs" => {
                runs =
                    args.next().and_then(|n| n.parse().ok()).filter(|&n: &u32| n > 0).ok_or("--runs needs a number")?;
            }
            "-h" | "--help" => {
                eprintln!("usage: cargo xtask bench-web [--no-go] [--runs N] [FILE…]");
                return Ok(());
            }
            f => files.push(std::fs::canonicalize(f).map_err(|e| format!("{f}: {e}"))?),
        }
    }
    if files.is_empty() {
        let fixtures = root().join("tests/fixtures");
        files = ["workshop-go1.27.trace", "big/big-go1.27.trace", "big/server-go1.27.trace"]
            .iter()
            .map(|f| fixtures.join(f))
            .filter(|p| p.exists())
            .collect();
    }

    build(&Settings::load()?)?;
    provision::apt(&[("/usr/bin/chromium", "chromium")])?;
    let e2e = root().join("tests/e2e");
    provision::npm(&e2e)?;
    let out = output(
        Command::new("node")
            .arg("bench.mjs")
            .args(["--runs", &runs.to_string()])
            .args(&files)
            .current_dir(&e2e)
            .stderr(Stdio::inherit()),
    )?;
    let pages: Vec<Page> = String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("bench.mjs printed {l:?}: {e}")))
        .collect::<Result<_>>()?;

    let mut gos = Vec::new();
    if with_go {
        let go = go::toolchain(go::ORACLE)?;
        eprintln!("compiling go tool trace of Go {} (once, about a minute)", go.version());
        let tool = go.trace_tool()?;
        for page in &pages {
            eprintln!("go tool trace {}", page.file.display());
            gos.push(Some(go_trace(&go, &tool, &page.file)?));
        }
    }

    println!(
        "{:<24} {:>8} {:>12} {:>7} {:>9} {:>9} {:>9} {:>11} {:>11} | {:>11} {:>11} | {:>7} {:>7}",
        "file",
        "MB",
        "first paint",
        "frames",
        "p50 ms",
        "p95 ms",
        "max ms",
        "wasm MB",
        "all views",
        "go UI",
        "go maxRSS",
        "time",
        "memory"
    );
    for (i, p) in pages.iter().enumerate() {
        let name = p.file.file_name().unwrap_or_default().to_string_lossy();
        let wasm_mb = p.wasm_bytes as f64 / 1e6;
        let go = match gos.get(i) {
            Some(Some(g)) => {
                let hwm_mb = g.hwm_kib as f64 * 1024.0 / 1e6;
                format!(
                    "{:>9.2} s {:>8.0} MB | {:>6.1}x {:>6.1}x",
                    g.answer_secs,
                    hwm_mb,
                    g.answer_secs * 1e3 / p.first_paint_ms,
                    hwm_mb / wasm_mb
                )
            }
            _ => "not run".into(),
        };
        println!(
            "{:<24} {:>8.1} {:>10.2} s {:>7} {:>9.2} {:>9.2} {:>9.2} {:>8.0} MB {:>8.0} MB | {go}",
            name,
            p.bytes as f64 / 1e6,
            p.first_paint_ms / 1e3,
            p.frames,
            p.p50_ms,
            p.p95_ms,
            p.max_ms,
            wasm_mb,
            p.all_views_bytes as f64 / 1e6,
        );
    }
    for p in &pages {
        let all: Vec<String> = p.first_paint_all_ms.iter().map(|ms| format!("{:.2}", ms / 1e3)).collect();
        println!("{}: first paint in each run (s): {}", p.file.display(), all.join(" "));
    }
    println!("first paint: drop to the first timeline frame drawn (headless Chromium, this machine), median of");
    println!("{runs} runs. p50/p95/max: time the worker spent drawing each frame of the scripted W/S/A/D/drag/");
    println!("wheel run (about 300 frames per run, all runs pooled).");
    println!("wasm MB: the worker's wasm memory once the trace is loaded (all of the page's data for it); all");
    println!("views: once every view that builds data of its own has been opened (the page's budget for a trace");
    println!("covers this: crates/web/src/worker/session.rs).");
    println!("go UI: `go tool trace` start until its web UI answers; go maxRSS: its peak resident memory.");
    println!("time, memory: go tool trace's divided by gotv's (above 1: gotv is faster or smaller).");
    Ok(())
}

/// Starts `go tool trace` on `file`, waits until its UI answers, and stops it.
fn go_trace(go: &go::Go, tool: &Path, file: &Path) -> Result<GoTrace> {
    let mut cmd = Command::new(tool);
    go.configure(&mut cmd);
    // It opens the UI with $BROWSER first, then any Chrome or Chromium on PATH: `true` answers
    // for them, so no browser starts and the tool goes on serving.
    cmd.env("BROWSER", "true").arg("-http=127.0.0.1:0").arg(file).stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", tool.display()))?;
    let result = wait_for_ui(&mut child, start)
        .map(|answer| GoTrace { answer_secs: answer.as_secs_f64(), hwm_kib: status_kib(child.id(), "VmHWM") });
    child.kill().ok();
    child.wait().ok();
    result
}

fn wait_for_ui(child: &mut Child, start: Instant) -> Result<Duration> {
    let stderr = child.stderr.take().ok_or("no stderr from go tool trace")?;
    let (tx, rx) = mpsc::channel();
    // The tool logs its address once the trace is parsed; keep draining its log after that.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            if let Some(url) = line.split("listening on ").nth(1) {
                tx.send(url.trim().to_string()).ok();
            }
        }
    });
    let url = loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(url) => break url,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err("go tool trace exited without serving".into()),
            Err(mpsc::RecvTimeoutError::Timeout) if start.elapsed() > GO_TIMEOUT => {
                return Err(format!("go tool trace did not serve within {} s", GO_TIMEOUT.as_secs()))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    };
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    while start.elapsed() < GO_TIMEOUT {
        if answers(&addr) {
            return Ok(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("go tool trace at {url} did not answer within {} s", GO_TIMEOUT.as_secs()))
}

/// Whether `GET /` on `addr` (host:port) returns 200.
fn answers(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else { return false };
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    if write!(s, "GET / HTTP/1.0\r\nHost: {addr}\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
