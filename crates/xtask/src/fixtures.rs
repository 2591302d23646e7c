//! `cargo xtask fixtures [--answers-only] [WORKLOAD…]`: real traces from every Go release, and
//! Go's own answers about them (see tests/fixtures/README.md for every file format).
//!
//! For each workload in tests/workloads and each Go release in [`go::VERSIONS`], the workload is
//! built with `-trimpath` (no machine paths in traces) and run; its trace is written to
//! `tests/fixtures/<workload>-go1.NN.trace`. Then the oracle (`go tool trace` of
//! [`go::ORACLE`], called directly) writes `tests/fixtures/answers/<workload>-go1.NN/`.
//! `--answers-only` skips building and running, and recomputes the answers of existing traces;
//! `--only KIND,…` (with `--answers-only`) recomputes only those answer files and leaves the
//! others alone (kinds: [`ANSWER_KINDS`]).
//! `big` is never part of the default run: `cargo xtask fixtures big` writes the ~200 MB
//! `tests/fixtures/big/big-go1.27.trace`, the ~150 MB `big-go1.21.trace` (old format) and the
//! ~200 MB `server-go1.27.trace`, all gitignored, for benchmarks.

use crate::go::{self, Go};
use crate::provision::{describe, output};
use crate::{root, Result};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Workload {
    name: &'static str,
    /// Arguments besides `-trace=FILE`, chosen so every release writes ~100–700 KB.
    args: &'static [&'static str],
    /// The oldest Go minor release that can run it.
    since: u32,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "workshop",
        args: &["-requests=40", "-duration=20s", "-files=40", "-lines=200", "-clients=4"],
        since: 21,
    },
    Workload { name: "annotations", args: &["-orders=200", "-workers=4", "-steps=4"], since: 21 },
    Workload { name: "cpuprofile", args: &["-cpu=800ms", "-workers=2", "-spawn=1ms"], since: 21 },
    Workload { name: "nethttp", args: &["-requests=60", "-clients=6"], since: 21 },
    Workload { name: "stress", args: &["-goroutines=800", "-rounds=5"], since: 21 },
    Workload {
        name: "flightrecorder",
        args: &["-requests=15000", "-spike=11000", "-clients=4", "-pause=1ms", "-min-age=100ms", "-min-bytes=50000"],
        since: 25,
    },
    Workload { name: "healthy", args: &["-jobs=4000", "-rounds=8"], since: 21 },
    Workload { name: "latestart", args: &["-before=5000", "-during=8000"], since: 21 },
];

/// Generated on demand only (`cargo xtask fixtures big`), with the oracle release.
const BIG: Workload = Workload { name: "big", args: &["-bytes=200000000"], since: 21 };
/// Also written by `big`: the workshop's file-search server under load for ~200 MB, a trace of
/// what people profile (syscalls, GC, a few long-lived goroutines beside short ones) where
/// `big` is millions of goroutines and little else.
const SERVER: Workload = Workload { name: "workshop", args: &["-requests=19000", "-duration=280s"], since: 21 };

/// Size limits for one committed trace.
const SOFT_MIN: u64 = 100_000;
const SOFT_MAX: u64 = 700_000;
const HARD_MAX: u64 = 2_000_000;

/// zstd settings for `parsed.txt.zst`/`stacks.txt.zst`: level and long-distance window.
const ZSTD_LEVEL: i32 = 19;
const ZSTD_WINDOW_LOG: u32 = 25;

/// How long a workload or an oracle command may take before it is killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

const PPROF_KINDS: &[&str] = &["net", "sync", "syscall", "sched"];

/// The groups of answer files `--only` can select: `parsed` (parsed.txt.zst, stacks.txt.zst,
/// parsed.err), `pprof` (pprof-*.txt), `goroutines` (goroutines.json), `mmu` (mmu.json),
/// `tasks` (usertasks.json, userregions.json).
const ANSWER_KINDS: &[&str] = &["parsed", "pprof", "goroutines", "mmu", "tasks"];

/// MMU flag sets scraped into mmu.json (`/mmu?mode=plot&flags=F`): with and without background
/// workers and sweeping, system-wide and per P.
const MMU_FLAGS: &[&str] = &[
    "stw|background|assist|sweep",
    "stw|background|assist",
    "stw|assist|sweep",
    "stw|assist",
    "stw",
    "perProc|stw|background|assist|sweep",
    "perProc|stw|assist|sweep",
];

/// Window sizes (ns) of the worst-window lists in mmu.json (`/mmu?mode=details&window=NS`).
const MMU_WINDOWS: &[u64] = &[100_000, 1_000_000, 10_000_000];

pub fn run(rest: &[String]) -> Result {
    let mut answers_only = false;
    let mut only: Option<Vec<&'static str>> = None;
    let mut names: Vec<&str> = Vec::new();
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--answers-only" => answers_only = true,
            "--only" => {
                let list = args.next().ok_or("--only needs a list, e.g. --only mmu,tasks")?;
                let mut kinds = Vec::new();
                for k in list.split(',').filter(|k| !k.is_empty()) {
                    let known = ANSWER_KINDS.iter().find(|a| **a == k);
                    kinds.push(
                        *known
                            .ok_or_else(|| format!("unknown answer kind {k:?} (known: {})", ANSWER_KINDS.join(",")))?,
                    );
                }
                only = Some(kinds);
            }
            "-h" | "--help" => {
                eprintln!(
                    "usage: cargo xtask fixtures [--answers-only [--only {}]] [WORKLOAD…]   (workloads: {}, big)",
                    ANSWER_KINDS.join(","),
                    all_names().join(" ")
                );
                return Ok(());
            }
            name if name == BIG.name || WORKLOADS.iter().any(|w| w.name == name) => names.push(name),
            other => return Err(format!("unknown workload {other:?} (known: {}, big)", all_names().join(" "))),
        }
    }
    if names.is_empty() {
        names = all_names();
    }
    if only.is_some() && !answers_only {
        return Err("--only needs --answers-only (new traces need all their answers)".into());
    }
    let kinds: Vec<&str> = only.unwrap_or_else(|| ANSWER_KINDS.to_vec());

    let started = Instant::now();
    let fixtures = root().join("tests/fixtures");
    let answers_root = fixtures.join("answers");
    let scratch = std::env::temp_dir().join(format!("gotv-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let result = (|| {
        let oracle = Oracle::new()?;
        if names.contains(&BIG.name) {
            // The oldest release writes the old format: the v1 decoder's benchmark.
            for version in [go::ORACLE, go::VERSIONS[0]] {
                let go = go::toolchain(version)?;
                let out = fixtures.join("big").join(format!("big-go1.{}.trace", go.minor()));
                generate(&go, &BIG, &out, &scratch, u64::MAX)?;
                println!("{}: {} bytes", out.display(), file_size(&out));
            }
            let go = go::toolchain(go::ORACLE)?;
            let out = fixtures.join("big").join(format!("server-go1.{}.trace", go.minor()));
            generate(&go, &SERVER, &out, &scratch, u64::MAX)?;
            println!("{}: {} bytes", out.display(), file_size(&out));
        }
        let mut failures = Vec::new();
        for workload in WORKLOADS.iter().filter(|w| names.contains(&w.name)) {
            for version in go::VERSIONS {
                let go = go::toolchain(version)?;
                if go.minor() < workload.since {
                    continue;
                }
                let fixture = format!("{}-go1.{}", workload.name, go.minor());
                let trace = fixtures.join(format!("{fixture}.trace"));
                let t0 = Instant::now();
                let step = (|| {
                    if !answers_only {
                        generate(&go, workload, &trace, &scratch, HARD_MAX)?;
                    } else if !trace.is_file() {
                        return Err(format!("{} is missing", trace.display()));
                    }
                    let t1 = Instant::now();
                    oracle.answer(&trace, &answers_root.join(&fixture), &scratch, &kinds)?;
                    Ok::<_, String>(t1)
                })();
                match step {
                    Ok(t1) => eprintln!(
                        "{fixture}: {} bytes (run {:.1}s, answers {:.1}s)",
                        file_size(&trace),
                        (t1 - t0).as_secs_f64(),
                        t1.elapsed().as_secs_f64()
                    ),
                    Err(e) => {
                        eprintln!("{fixture}: FAILED: {e}");
                        failures.push(format!("{fixture}: {e}"));
                    }
                }
            }
        }
        if names.iter().any(|n| *n != BIG.name) {
            std::fs::write(answers_root.join("ORACLE"), oracle.describe()).map_err(|e| format!("ORACLE: {e}"))?;
            let table = summary(&fixtures)?;
            std::fs::write(answers_root.join("SUMMARY.txt"), &table).map_err(|e| format!("SUMMARY.txt: {e}"))?;
            print!("{table}");
        }
        eprintln!("fixtures: done in {:.0}s", started.elapsed().as_secs_f64());
        if failures.is_empty() {
            Ok(())
        } else {
            Err(format!("{} fixture(s) failed:\n  {}", failures.len(), failures.join("\n  ")))
        }
    })();
    std::fs::remove_dir_all(&scratch).ok();
    result
}

fn all_names() -> Vec<&'static str> {
    WORKLOADS.iter().map(|w| w.name).collect()
}

fn file_size(path: &Path) -> u64 {
    path.metadata().map(|m| m.len()).unwrap_or(0)
}

/// Builds `workload` with `go` and runs it, writing its trace to `out` (replaced only when the
/// run succeeds and the trace is at most `max_bytes`).
fn generate(go: &Go, workload: &Workload, out: &Path, scratch: &Path, max_bytes: u64) -> Result {
    let src = root().join("tests/workloads").join(workload.name);
    let dir = scratch.join(format!("{}-{}", workload.name, go.version()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let bin = dir.join(workload.name);
    let mut build = go.command();
    build
        .args(["build", "-trimpath", "-buildvcs=false", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("CGO_ENABLED", "0");
    output(&mut build)?;

    let tmp_trace = dir.join("out.trace");
    std::fs::remove_file(&tmp_trace).ok();
    let mut cmd = Command::new(&bin);
    cmd.arg(format!("-trace={}", tmp_trace.display())).args(workload.args).current_dir(&dir);
    let (status, _stdout, stderr) = run_with_timeout(&mut cmd, RUN_TIMEOUT)?;
    if !status {
        return Err(format!("`{}` failed: {}", describe(&cmd), String::from_utf8_lossy(&stderr).trim()));
    }
    let size = file_size(&tmp_trace);
    if size == 0 {
        return Err(format!("`{}` wrote no trace", describe(&cmd)));
    }
    if size > max_bytes {
        return Err(format!("trace is {size} bytes, over the {max_bytes}-byte limit: shorten the workload's run"));
    }
    if max_bytes == HARD_MAX && !(SOFT_MIN..=SOFT_MAX).contains(&size) {
        eprintln!("warning: {} is {size} bytes, outside the {SOFT_MIN}–{SOFT_MAX} target", out.display());
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::copy(&tmp_trace, out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Runs `cmd` to completion (killed after `timeout`), returning (success, stdout, stderr).
fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<(bool, Vec<u8>, Vec<u8>)> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).ok();
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).ok();
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                child.kill().ok();
                child.wait().ok();
                return Err(format!("`{}` did not finish within {}s; killed", describe(cmd), timeout.as_secs()));
            }
            Err(e) => return Err(format!("waiting for {}: {e}", describe(cmd))),
        }
    };
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    Ok((status.success(), stdout, stderr))
}

/// Go's answers about a trace, from the oracle release's `go tool trace` and `go tool pprof`.
struct Oracle {
    go: Go,
    trace: PathBuf,
    pprof: PathBuf,
}

impl Oracle {
    fn new() -> Result<Oracle> {
        let go = go::toolchain(go::ORACLE)?;
        eprintln!("oracle: Go {} (first use compiles `go tool trace` and `go tool pprof`)", go.version());
        let trace = go.tool("trace")?;
        let pprof = go.tool("pprof")?;
        Ok(Oracle { go, trace, pprof })
    }

    fn describe(&self) -> String {
        let version = self.go.version_line().unwrap_or_else(|_| format!("go{}", self.go.version()));
        format!(
            "\
Answers in this folder were computed by Go's own tools:
{version}
TRACE = `go tool -n trace`, PPROF = `go tool -n pprof` of that release (called directly).

parsed.txt.zst, stacks.txt.zst  TRACE -d=parsed FILE  (stack blocks factored out; see ../README.md)
parsed.err                      its stderr, when it exits non-zero
pprof-KIND.txt                  TRACE -pprof=KIND FILE > P; PPROF -raw -symbolize=none P  (canonical order; see ../README.md)
goroutines.json                 BROWSER=true TRACE -http=127.0.0.1:PORT FILE; GET /goroutines, /goroutine?name=…
mmu.json                        the same server: GET /mmu?mode=plot&flags=F, /mmu?mode=details&window=NS&flags=F
usertasks.json                  the same server: GET /usertasks, /usertask?type=T
userregions.json                the same server: GET /userregions, /userregion?type=T&pc=HEX
Regenerate: cargo xtask fixtures [--answers-only [--only parsed,pprof,goroutines,mmu,tasks]] [WORKLOAD…]
"
        )
    }

    /// Writes the answer files of `kinds` ([`ANSWER_KINDS`]) for `trace` into `dir`; with every
    /// kind, `dir` is emptied first.
    fn answer(&self, trace: &Path, dir: &Path, scratch: &Path, kinds: &[&str]) -> Result {
        let all = ANSWER_KINDS.iter().all(|k| kinds.contains(k));
        if all && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).map_err(|e| format!("{name}: {e}"));
        if kinds.contains(&"parsed") {
            self.parsed(trace, dir)?;
        }
        if kinds.contains(&"pprof") {
            self.pprof(trace, dir, scratch)?;
        }

        // The goroutine analysis, MMU, tasks and regions, scraped from the HTTP server.
        let scrape = ["goroutines", "mmu", "tasks"];
        if scrape.iter().any(|k| kinds.contains(k)) {
            let server = Server::start(&self.trace, trace)?;
            if kinds.contains(&"goroutines") {
                write("goroutines.json", scrape_goroutines(server.port)?.as_bytes())?;
            }
            if kinds.contains(&"mmu") {
                write("mmu.json", scrape_mmu(server.port)?.as_bytes())?;
            }
            if kinds.contains(&"tasks") {
                write("usertasks.json", scrape_tasks(server.port)?.as_bytes())?;
                write("userregions.json", scrape_regions(server.port)?.as_bytes())?;
            }
        }
        Ok(())
    }

    fn parsed(&self, trace: &Path, dir: &Path) -> Result {
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).map_err(|e| format!("{name}: {e}"));
        // -d=parsed, with stack blocks factored out.
        std::fs::remove_file(dir.join("parsed.err")).ok();
        let mut cmd = Command::new(&self.trace);
        cmd.arg("-d=parsed").arg(trace);
        let (ok, stdout, stderr) = run_with_timeout(&mut cmd, RUN_TIMEOUT)?;
        if !ok {
            write("parsed.err", &stderr)?;
        }
        let text = String::from_utf8(stdout).map_err(|_| "-d=parsed printed invalid UTF-8".to_string())?;
        let (events, stacks) = compact_parsed(&text);
        if expand_parsed(&events, &stacks)? != text {
            return Err("internal error: compacted -d=parsed output does not expand back to the original".into());
        }
        write("parsed.txt.zst", &compress(events.as_bytes())?)?;
        write("stacks.txt.zst", &compress(stacks.as_bytes())?)?;
        Ok(())
    }

    fn pprof(&self, trace: &Path, dir: &Path, scratch: &Path) -> Result {
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).map_err(|e| format!("{name}: {e}"));
        // The four blocking profiles, as canonical `pprof -raw` text.
        for kind in PPROF_KINDS {
            let pb = scratch.join(format!("{kind}.pb"));
            let mut cmd = Command::new(&self.trace);
            cmd.arg(format!("-pprof={kind}")).arg(trace);
            let (ok, profile, stderr) = run_with_timeout(&mut cmd, RUN_TIMEOUT)?;
            if !ok {
                return Err(format!("`{}` failed: {}", describe(&cmd), String::from_utf8_lossy(&stderr).trim()));
            }
            std::fs::write(&pb, profile).map_err(|e| format!("{}: {e}", pb.display()))?;
            let mut cmd = Command::new(&self.pprof);
            cmd.args(["-raw", "-symbolize=none"]).arg(&pb);
            self.go.configure(&mut cmd);
            cmd.env("HOME", scratch).env("PPROF_TMPDIR", scratch);
            let raw = output(&mut cmd)?;
            let raw = String::from_utf8(raw).map_err(|_| format!("pprof -raw of {kind}: invalid UTF-8"))?;
            write(&format!("pprof-{kind}.txt"), canonical_pprof_raw(&raw)?.as_bytes())?;
        }
        Ok(())
    }
}

fn compress(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = zstd::stream::Encoder::new(Vec::new(), ZSTD_LEVEL).map_err(|e| format!("zstd: {e}"))?;
    enc.long_distance_matching(true).map_err(|e| format!("zstd: {e}"))?;
    enc.window_log(ZSTD_WINDOW_LOG).map_err(|e| format!("zstd: {e}"))?;
    enc.include_checksum(true).map_err(|e| format!("zstd: {e}"))?;
    enc.write_all(bytes).map_err(|e| format!("zstd: {e}"))?;
    enc.finish().map_err(|e| format!("zstd: {e}"))
}

fn decompress(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    zstd::stream::Decoder::new(file)
        .and_then(|mut d| d.read_to_string(&mut text))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text)
}

/// Splits `go tool trace -d=parsed` output into (events, stacks) as tests/fixtures/README.md
/// describes: every block made of a line `Stack=` or `TransitionStack=`, the tab-indented frame
/// lines after it and the blank line closing it becomes one line `Stack=@N` /
/// `TransitionStack=@N`, N numbering distinct frame texts from 1 in order of first use; the
/// stacks text lists each as a line `@N` followed by its frame lines verbatim.
fn compact_parsed(text: &str) -> (String, String) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut events = String::with_capacity(text.len() / 4);
    let mut stacks = String::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let header = line.strip_suffix('\n').filter(|h| *h == "Stack=" || *h == "TransitionStack=");
        if let Some(header) = header {
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && lines[end].starts_with('\t') && lines[end].ends_with('\n') {
                end += 1;
            }
            if end < lines.len() && lines[end] == "\n" {
                // frames = lines[start..end] as one slice of the original text.
                let from = offset(text, lines[start.min(lines.len() - 1)]);
                let frames = if start == end { "" } else { &text[from..offset(text, lines[end])] };
                let next = ids.len() + 1;
                let id = *ids.entry(frames).or_insert_with(|| {
                    let _ = write!(stacks, "@{next}\n{frames}");
                    next
                });
                let _ = writeln!(events, "{header}@{id}");
                i = end + 1;
                continue;
            }
        }
        events.push_str(line);
        i += 1;
    }
    (events, stacks)
}

/// The byte offset of `part` (a subslice) in `whole`.
fn offset(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// Rebuilds the original `-d=parsed` text from [`compact_parsed`]'s output.
fn expand_parsed(events: &str, stacks: &str) -> Result<String> {
    let mut table: Vec<&str> = Vec::new();
    let mut rest = stacks;
    while !rest.is_empty() {
        let Some(nl) = rest.find('\n') else { return Err("stacks: truncated @N line".into()) };
        let id: usize = rest[..nl].strip_prefix('@').and_then(|n| n.parse().ok()).ok_or("stacks: expected @N")?;
        if id != table.len() + 1 {
            return Err(format!("stacks: @{id} out of order"));
        }
        rest = &rest[nl + 1..];
        let mut len = 0;
        while len < rest.len() && rest[len..].starts_with('\t') {
            len += rest[len..].find('\n').map_or(rest.len() - len, |n| n + 1);
        }
        table.push(&rest[..len]);
        rest = &rest[len..];
    }
    let mut out = String::with_capacity(events.len() * 4);
    for line in events.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let reference = body
            .strip_prefix("Stack=@")
            .map(|n| ("Stack=", n))
            .or_else(|| body.strip_prefix("TransitionStack=@").map(|n| ("TransitionStack=", n)));
        match reference.and_then(|(h, n)| n.parse::<usize>().ok().map(|n| (h, n))) {
            Some((header, n)) if n >= 1 && n <= table.len() && line.ends_with('\n') => {
                out.push_str(header);
                out.push('\n');
                out.push_str(table[n - 1]);
                out.push('\n');
            }
            _ => out.push_str(line),
        }
    }
    Ok(out)
}

/// `go tool pprof -raw` output with its map-order randomness removed: samples sorted by their
/// resolved frames (then count and delay), locations renumbered 1, 2, … in order of first use
/// by the sorted samples; the header, the sample-type line and `Mappings` are kept verbatim.
fn canonical_pprof_raw(raw: &str) -> Result<String> {
    #[derive(PartialEq)]
    enum Section {
        Header,
        Samples,
        Locations,
        Mappings,
    }
    let mut section = Section::Header;
    let mut header = String::new();
    let mut samples: Vec<(String, Vec<u64>)> = Vec::new(); // ("count delay", location IDs)
    let mut locations: BTreeMap<u64, String> = BTreeMap::new(); // ID → text after "ID: "
    let mut last_location = None;
    let mut mappings = String::new();
    let mut sample_types_seen = false;
    for line in raw.lines() {
        match line {
            "Samples:" => {
                section = Section::Samples;
                header.push_str(line);
                header.push('\n');
                continue;
            }
            "Locations" => {
                section = Section::Locations;
                continue;
            }
            "Mappings" => {
                section = Section::Mappings;
                continue;
            }
            _ => {}
        }
        match section {
            Section::Header => {
                header.push_str(line);
                header.push('\n');
            }
            Section::Samples if !sample_types_seen => {
                sample_types_seen = true;
                header.push_str(line);
                header.push('\n');
            }
            Section::Samples => {
                let (values, ids) =
                    line.split_once(':').ok_or_else(|| format!("pprof -raw: bad sample line {line:?}"))?;
                let values = values.split_whitespace().collect::<Vec<_>>().join(" ");
                let ids = ids
                    .split_whitespace()
                    .map(|id| id.parse::<u64>().map_err(|_| format!("pprof -raw: bad sample line {line:?}")))
                    .collect::<Result<Vec<_>>>()?;
                samples.push((values, ids));
            }
            Section::Locations => {
                let trimmed = line.trim_start();
                let id = trimmed.split_once(": ").and_then(|(id, _)| id.parse::<u64>().ok());
                match (id, trimmed.split_once(": ")) {
                    (Some(id), Some((_, rest))) => {
                        locations.insert(id, rest.to_string());
                        last_location = Some(id);
                    }
                    _ => {
                        // A continuation line (inlined frames) of the previous location.
                        let id = last_location.ok_or_else(|| format!("pprof -raw: bad location line {line:?}"))?;
                        let text = locations.get_mut(&id).expect("seen");
                        text.push('\n');
                        text.push_str(trimmed);
                    }
                }
            }
            Section::Mappings => {
                mappings.push_str(line.trim_end());
                mappings.push('\n');
            }
        }
    }
    let resolve = |ids: &[u64]| -> Result<Vec<String>> {
        ids.iter()
            .map(|id| locations.get(id).cloned().ok_or_else(|| format!("pprof -raw: unknown location {id}")))
            .collect()
    };
    let mut resolved = samples
        .iter()
        .map(|(values, ids)| {
            let nums: Vec<u64> = values.split(' ').filter_map(|v| v.parse().ok()).collect();
            Ok((resolve(ids)?, nums, values.clone(), ids.clone()))
        })
        .collect::<Result<Vec<_>>>()?;
    resolved.sort();
    let mut renumber: HashMap<u64, u64> = HashMap::new();
    let mut order: Vec<u64> = Vec::new();
    let mut out = header;
    for (_, nums, _, ids) in &resolved {
        let values: Vec<String> = nums.iter().map(|n| format!("{n:>10}")).collect();
        let _ = write!(out, "{}:", values.join(" "));
        for id in ids {
            let next = renumber.len() as u64 + 1;
            let new = *renumber.entry(*id).or_insert_with(|| {
                order.push(*id);
                next
            });
            let _ = write!(out, " {new}");
        }
        out.push('\n');
    }
    out.push_str("Locations\n");
    for (i, id) in order.iter().enumerate() {
        let text = &locations[id];
        let mut lines = text.lines();
        let _ = writeln!(out, "{:>6}: {}", i + 1, lines.next().unwrap_or(""));
        for cont in lines {
            let _ = writeln!(out, "{:>8}{cont}", "");
        }
    }
    out.push_str("Mappings\n");
    out.push_str(&mappings);
    Ok(out)
}

/// Kills the trace server when the scrape ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// `go tool trace -http=127.0.0.1:PORT FILE`, ready to serve; killed when dropped.
struct Server {
    port: u16,
    _child: KillOnDrop,
}

impl Server {
    fn start(tool: &Path, trace: &Path) -> Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let mut cmd = Command::new(tool);
        cmd.arg(format!("-http=127.0.0.1:{port}")).arg(trace).env("BROWSER", "true");
        let mut server = KillOnDrop(
            cmd.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", describe(&cmd)))?,
        );
        let stderr = server.0.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = String::new();
            let mut ready = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !ready && line.contains("Trace viewer is listening on") {
                    ready = true;
                    tx.send(Ok(())).ok();
                } else if !ready {
                    seen.push_str(&line);
                    seen.push('\n');
                }
            }
            if !ready {
                tx.send(Err(seen)).ok();
            }
        });
        match rx.recv_timeout(RUN_TIMEOUT) {
            Ok(Ok(())) => Ok(Server { port, _child: server }),
            Ok(Err(stderr)) => Err(format!("`{}` exited: {}", describe(&cmd), stderr.trim())),
            Err(_) => Err(format!("`{}` was not ready within {}s", describe(&cmd), RUN_TIMEOUT.as_secs())),
        }
    }
}

/// Scrapes the goroutine analysis of a running server into JSON (format:
/// tests/fixtures/README.md).
fn scrape_goroutines(port: u16) -> Result<String> {
    let index = http_get(port, "/goroutines")?;
    let mut groups = Vec::new();
    for row in index.split("<a href=\"/goroutine?name=").skip(1) {
        let (href_name, rest) = row.split_once("\">").ok_or("/goroutines: bad link")?;
        let (_label, rest) = rest.split_once("</a>").ok_or("/goroutines: bad link")?;
        let cells = td_cells(rest);
        if cells.len() < 2 {
            return Err("/goroutines: row without count and time".into());
        }
        let query = unescape_html(href_name);
        let name = percent_decode(&query)?;
        let count: u64 = cells[0].parse().map_err(|_| format!("/goroutines: bad count {:?}", cells[0]))?;
        let exec = parse_go_duration(&cells[1])?;
        let page = http_get(port, &format!("/goroutine?name={query}"))?;
        groups.push(parse_group_page(name, count, exec, &page)?);
    }
    if groups.is_empty() {
        return Err("/goroutines: no goroutine groups found".into());
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));

    let mut json = String::new();
    json.push_str("{\n  \"oracle\": ");
    json.push_str(&json_string(&format!("go{}", go::ORACLE)));
    json.push_str(",\n  \"groups\": [");
    for (gi, g) in groups.iter().enumerate() {
        let _ = write!(
            json,
            "{}\n    {{\n      \"name\": {},\n      \"count\": {},\n      \"exec_time_ns\": {},\n      \"columns\": [{}],\n      \"range_columns\": [{}],\n      \"goroutines\": [",
            if gi == 0 { "" } else { "," },
            json_string(&g.name),
            g.count,
            g.exec_ns,
            g.columns.iter().map(|c| json_string(c)).collect::<Vec<_>>().join(", "),
            g.range_columns.iter().map(|c| json_string(c)).collect::<Vec<_>>().join(", "),
        );
        for (i, r) in g.rows.iter().enumerate() {
            let _ = write!(
                json,
                "{}\n        {{\"id\": {}, \"total_ns\": {}, \"stats\": [{}]",
                if i == 0 { "" } else { "," },
                r.id,
                r.total_ns,
                r.stats.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
            );
            if let Some(ranges) = &r.ranges {
                let _ = write!(
                    json,
                    ", \"ranges\": [{}]",
                    ranges.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
                );
            }
            json.push('}');
        }
        json.push_str(if g.rows.is_empty() { "]\n    }" } else { "\n      ]\n    }" });
    }
    json.push_str("\n  ]\n}\n");
    Ok(json)
}

/// Scrapes Go's MMU plot and worst windows for [`MMU_FLAGS`] × [`MMU_WINDOWS`] into JSON
/// (format: tests/fixtures/README.md).
fn scrape_mmu(port: u16) -> Result<String> {
    use serde_json::Value;
    let get = |path: &str| -> Result<Value> {
        serde_json::from_str(&http_get(port, path)?).map_err(|e| format!("GET {path}: bad JSON: {e}"))
    };
    let int = |v: &Value, what: &str| -> Result<i64> {
        v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)).ok_or(format!("bad {what}"))
    };
    let mut json = format!("{{\n  \"oracle\": {},\n  \"plots\": [", json_string(&format!("go{}", go::ORACLE)));
    for (i, flags) in MMU_FLAGS.iter().enumerate() {
        let path = format!("/mmu?mode=plot&flags={flags}");
        let sep = if i == 0 { "" } else { "," };
        let plot = match http_get(port, &path) {
            Ok(body) => serde_json::from_str::<Value>(&body).map_err(|e| format!("GET {path}: bad JSON: {e}"))?,
            // Go's handler panics (closing the connection) when there is no utilisation
            // series at all (it indexes the first one).
            Err(e) if e.ends_with("malformed response") => {
                let _ = write!(
                    json,
                    "{sep}\n    {{\"flags\": {}, \"error\": \"no response (the handler panicked)\"}}",
                    json_string(flags)
                );
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut points = Vec::new();
        for p in plot["curve"].as_array().ok_or(format!("GET {path}: no curve"))? {
            let w = int(&p[0], "window")?;
            let m = p[1].as_f64().ok_or(format!("GET {path}: bad MMU"))?;
            points.push(format!("[{w}, {}]", serde_json::to_string(&m).map_err(|e| e.to_string())?));
        }
        let _ = write!(
            json,
            "{sep}\n    {{\"flags\": {}, \"xMin\": {}, \"xMax\": {},\n     \"curve\": [{}]}}",
            json_string(flags),
            int(&plot["xMin"], "xMin")?,
            int(&plot["xMax"], "xMax")?,
            points.join(", ")
        );
    }
    json.push_str("\n  ],\n  \"details\": [");
    let mut first = true;
    for flags in MMU_FLAGS {
        for window in MMU_WINDOWS {
            let path = format!("/mmu?mode=details&window={window}&flags={flags}");
            let worst = get(&path)?;
            let mut items = Vec::new();
            // `null` when there are no windows (no utilisation series).
            for w in worst.as_array().map(Vec::as_slice).unwrap_or_default() {
                let util = w["MutatorUtil"].as_f64().ok_or(format!("GET {path}: bad MutatorUtil"))?;
                items.push(format!(
                    "{{\"time\": {}, \"util\": {}}}",
                    int(&w["Time"], "Time")?,
                    serde_json::to_string(&util).map_err(|e| e.to_string())?
                ));
            }
            let _ = write!(
                json,
                "{}\n    {{\"flags\": {}, \"window\": {window}, \"worst\": [{}]}}",
                if first { "" } else { "," },
                json_string(flags),
                items.join(", ")
            );
            first = false;
        }
    }
    json.push_str("\n  ]\n}\n");
    Ok(json)
}

/// The rows of a page's main table, split where the template starts one (`\n  <tr>\n`); the
/// histograms nested in them start their rows without indentation.
fn index_rows(page: &str) -> Vec<&str> {
    page.split("\n  <tr>\n").skip(1).map(|r| r.split_once("\n  </tr>").map_or(r, |(r, _)| r)).collect()
}

/// A histogram rendered by Go's `TimeHistogram.ToHTML`: (bucket lower bound ns, count) from the
/// lowest to the highest non-empty bucket; empty when there is no histogram.
fn parse_histogram(html: &str) -> Result<Vec<(u64, u64)>> {
    let mut buckets = Vec::new();
    for tr in html.split("<tr>").skip(1).filter(|tr| tr.contains("class=\"histoTime\"")) {
        let cells = td_cells(tr);
        if cells.len() != 3 {
            return Err(format!("histogram row with {} cells", cells.len()));
        }
        let count = cells[2].parse().map_err(|_| format!("bad histogram count {:?}", cells[2]))?;
        buckets.push((parse_go_duration(&cells[0])?, count));
    }
    Ok(buckets)
}

fn histogram_json(h: &[(u64, u64)]) -> String {
    let items: Vec<String> = h.iter().map(|(lo, n)| format!("[{lo}, {n}]")).collect();
    format!("[{}]", items.join(", "))
}

/// The value of `href="PREFIX…"` in `html`, HTML-unescaped: a path with its query, as Go wrote it.
fn href(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(&format!("href=\"{prefix}"))? + 6;
    let end = html[start..].find('"')?;
    Some(unescape_html(&html[start..start + end]))
}

/// The number shown by the first link `<a href="PREFIX…">N</a>` in `html`.
fn link_count(html: &str, prefix: &str) -> Option<u64> {
    let start = html.find(&format!("href=\"{prefix}"))?;
    let (_, rest) = html[start..].split_once("\">")?;
    rest.split_once("</a>")?.0.trim().parse().ok()
}

/// The value of `key` in a query string, decoded.
fn query_value(path: &str, key: &str) -> Result<String> {
    let query = path.split_once('?').map_or("", |(_, q)| q);
    let raw = query.split('&').find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('='))).unwrap_or("");
    percent_decode(raw)
}

/// "0.013918656s" (`%.9fs` of seconds) → ns.
fn parse_seconds9(s: &str) -> Result<u64> {
    let bad = || format!("bad time {s:?}");
    let (int, frac) = s.trim_end_matches('s').split_once('.').ok_or_else(bad)?;
    if frac.len() != 9 {
        return Err(bad());
    }
    let int: u64 = int.parse().map_err(|_| bad())?;
    let frac: u64 = frac.parse().map_err(|_| bad())?;
    Ok(int * 1_000_000_000 + frac)
}

/// Scrapes `/usertasks` and `/usertask?type=T` for every type into JSON (format:
/// tests/fixtures/README.md).
fn scrape_tasks(port: u16) -> Result<String> {
    let index = http_get(port, "/usertasks")?;
    let mut types = Vec::new();
    for row in index_rows(&index) {
        let path = href(row, "/usertask?type=").ok_or("/usertasks: row without link")?;
        let ty = query_value(&path, "type")?;
        let count = link_count(row, "/usertask?type=").ok_or(format!("/usertasks: bad count for {ty:?}"))?;
        let histogram = parse_histogram(row).map_err(|e| format!("/usertasks {ty:?}: {e}"))?;
        let page = http_get(port, &path)?;
        let mut tasks = Vec::new();
        for block in page.split("<tr class=\"first\">").skip(1) {
            let cells = td_cells(block.split_once("</tr>").map_or(block, |(b, _)| b));
            if cells.len() != 4 {
                return Err(format!("{path}: task header with {} cells", cells.len()));
            }
            let id: u64 = cells[3]
                .split_whitespace()
                .nth(1)
                .and_then(|id| id.parse().ok())
                .ok_or(format!("{path}: no task ID in {:?}", cells[3]))?;
            let complete = cells[3].ends_with("(complete)");
            if !complete && !cells[3].ends_with("(incomplete)") {
                return Err(format!("{path}: task {id} neither complete nor incomplete"));
            }
            tasks.push(format!(
                "{{\"id\": {id}, \"start_ns\": {}, \"duration_ns\": {}, \"complete\": {complete}, \"events\": {}}}",
                parse_seconds9(&cells[0])?,
                parse_go_duration(&cells[1])?,
                block.matches("<td class=\"goid\">").count()
            ));
        }
        if tasks.len() as u64 != count {
            return Err(format!("{path}: {} tasks, but /usertasks counts {count}", tasks.len()));
        }
        tasks.sort_by_key(|t| {
            t.split_once(',').and_then(|(id, _)| id.trim_start_matches("{\"id\": ").parse::<u64>().ok()).unwrap_or(0)
        });
        types.push(format!(
            "    {{\"type\": {}, \"count\": {count}, \"histogram\": {},\n     \"tasks\": [\n      {}\n     ]}}",
            json_string(&ty),
            histogram_json(&histogram),
            tasks.join(",\n      ")
        ));
    }
    Ok(format!(
        "{{\n  \"oracle\": {},\n  \"types\": [\n{}\n  ]\n}}\n",
        json_string(&format!("go{}", go::ORACLE)),
        types.join(",\n")
    ))
}

/// Every `<table class="details">` of a page: (header texts, rows of cell texts).
fn details_tables(page: &str) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    page.split("<table class=\"details\">")
        .skip(1)
        .map(|t| t.split_once("</table>").map_or(t, |(t, _)| t))
        .map(|table| {
            let (head, body) = table.split_once("</tr>").unwrap_or((table, ""));
            let headers =
                head.split("<th").skip(1).map(|th| cell_text(th.split_once("</th>").map_or(th, |(c, _)| c))).collect();
            let rows = body.split("<tr>").skip(1).map(td_cells).collect();
            (headers, rows)
        })
        .collect()
}

/// A region table as (value column names, rows `[goroutine, task, total ns, values ns…]`
/// sorted): `Task` is 0 when empty, the bar column is left out.
fn region_table(headers: &[String], rows: &[Vec<String>]) -> Result<(Vec<String>, Vec<Vec<u64>>)> {
    let columns: Vec<String> = headers
        .iter()
        .filter(|h| !h.is_empty() && !["Goroutine", "Task", "Total"].contains(&h.as_str()))
        .cloned()
        .collect();
    let mut out = Vec::new();
    for cells in rows {
        if cells.len() != headers.len() {
            return Err(format!("row with {} cells under {} headers", cells.len(), headers.len()));
        }
        let (mut g, mut task, mut total, mut values) = (None, 0, None, Vec::new());
        for (h, c) in headers.iter().zip(cells) {
            match h.as_str() {
                "Goroutine" => g = Some(c.parse::<u64>().map_err(|_| format!("bad goroutine {c:?}"))?),
                "Task" if c.is_empty() => {}
                "Task" => task = c.parse::<u64>().map_err(|_| format!("bad task {c:?}"))?,
                "Total" => total = Some(parse_go_duration(c)?),
                "" => {}
                _ => values.push(parse_go_duration(c)?),
            }
        }
        let mut row = vec![g.ok_or("no Goroutine column")?, task, total.ok_or("no Total column")?];
        row.extend(values);
        out.push(row);
    }
    out.sort();
    Ok((columns, out))
}

/// Scrapes `/userregions` and `/userregion?type=T&pc=HEX` for every row into JSON (format:
/// tests/fixtures/README.md).
fn scrape_regions(port: u16) -> Result<String> {
    let index = http_get(port, "/userregions")?;
    let mut groups = Vec::new();
    for row in index_rows(&index) {
        let path = href(row, "/userregion?type=").ok_or("/userregions: row without link")?;
        let ty = query_value(&path, "type")?;
        let pc = u64::from_str_radix(&query_value(&path, "pc")?, 16).map_err(|_| format!("{path}: bad pc"))?;
        let pre = row.split_once("<pre>").and_then(|(_, r)| r.split_once("</pre>")).map(|(p, _)| p);
        let lines: Vec<String> = pre.ok_or("/userregions: no <pre>")?.split("<br>").map(unescape_html).collect();
        let [_, func_at, file_line] = &lines[..] else { return Err(format!("/userregions: bad frame cell {lines:?}")) };
        let func = func_at.rsplit_once(" @ ").map_or(func_at.as_str(), |(f, _)| f);
        let (file, line) = file_line.rsplit_once(':').ok_or(format!("/userregions: bad file:line {file_line:?}"))?;
        let count = link_count(row, "/userregion?type=").ok_or(format!("/userregions: bad count for {ty:?}"))?;
        let histogram = parse_histogram(row).map_err(|e| format!("/userregions {ty:?}: {e}"))?;
        let page = http_get(port, &path)?;
        let tables = details_tables(&page);
        let context = |e: String| format!("{path}: {e}");
        let (columns, rows) = match tables.first() {
            Some((h, r)) => region_table(h, r).map_err(context)?,
            None => return Err(format!("{path}: no details table")),
        };
        let (range_columns, range_rows) = match tables.get(1) {
            Some((h, r)) => region_table(h, r).map_err(context)?,
            None => (Vec::new(), Vec::new()),
        };
        if rows.len() as u64 != count {
            return Err(format!("{path}: {} rows, but /userregions counts {count}", rows.len()));
        }
        let strings = |v: &[String]| v.iter().map(|c| json_string(c)).collect::<Vec<_>>().join(", ");
        let numbers = |rows: &[Vec<u64>]| {
            rows.iter()
                .map(|r| format!("[{}]", r.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")))
                .collect::<Vec<_>>()
                .join(",\n      ")
        };
        groups.push(format!(
            "    {{\"type\": {}, \"func\": {}, \"pc\": {pc}, \"file\": {}, \"line\": {}, \"count\": {count},\n     \"histogram\": {},\n     \"columns\": [{}],\n     \"regions\": [\n      {}\n     ],\n     \"range_columns\": [{}],\n     \"range_regions\": [{}{}]}}",
            json_string(&ty),
            json_string(func),
            json_string(file),
            line.parse::<u64>().map_err(|_| format!("/userregions: bad line {line:?}"))?,
            histogram_json(&histogram),
            strings(&columns),
            numbers(&rows),
            strings(&range_columns),
            if range_rows.is_empty() { "" } else { "\n      " },
            numbers(&range_rows)
        ));
    }
    Ok(format!(
        "{{\n  \"oracle\": {},\n  \"groups\": [\n{}\n  ]\n}}\n",
        json_string(&format!("go{}", go::ORACLE)),
        groups.join(",\n")
    ))
}

struct Group {
    name: String,
    count: u64,
    exec_ns: u64,
    columns: Vec<String>,
    range_columns: Vec<String>,
    rows: Vec<Row>,
}

struct Row {
    id: u64,
    total_ns: u64,
    stats: Vec<u64>,
    ranges: Option<Vec<u64>>,
}

/// One row of a details table: goroutine ID, Total, the other columns' values.
type TableRow = (u64, u64, Vec<u64>);

fn parse_group_page(name: String, count: u64, exec_ns: u64, page: &str) -> Result<Group> {
    let tables: Vec<&str> = page
        .split("<table class=\"details\">")
        .skip(1)
        .map(|t| t.split_once("</table>").map_or(t, |(t, _)| t))
        .collect();
    if tables.is_empty() {
        return Err(format!("/goroutine?name={name}: no details table"));
    }
    let parse_table = |table: &str| -> Result<(Vec<String>, Vec<TableRow>)> {
        let (head, body) = table.split_once("</tr>").ok_or("details table without header row")?;
        let headers: Vec<String> =
            head.split("<th").skip(1).map(|th| cell_text(th.split_once("</th>").map_or(th, |(c, _)| c))).collect();
        let mut rows = Vec::new();
        for tr in body.split("<tr>").skip(1) {
            let cells: Vec<String> = td_cells(tr);
            if cells.len() != headers.len() {
                return Err(format!("row with {} cells under {} headers", cells.len(), headers.len()));
            }
            let mut id = None;
            let mut total = None;
            let mut values = Vec::new();
            for (h, c) in headers.iter().zip(&cells) {
                match h.as_str() {
                    "Goroutine" => id = Some(c.parse::<u64>().map_err(|_| format!("bad goroutine ID {c:?}"))?),
                    "Total" => total = Some(parse_go_duration(c)?),
                    "" => {}
                    _ => values.push(parse_go_duration(c)?),
                }
            }
            rows.push((id.ok_or("no Goroutine column")?, total.ok_or("no Total column")?, values));
        }
        let columns = headers.into_iter().filter(|h| !h.is_empty() && h != "Goroutine" && h != "Total").collect();
        Ok((columns, rows))
    };
    let context = |e: String| format!("/goroutine?name={name}: {e}");
    let (columns, stat_rows) = parse_table(tables[0]).map_err(context)?;
    let (range_columns, range_rows) = match tables.get(1) {
        Some(t) => parse_table(t).map_err(context)?,
        None => (Vec::new(), Vec::new()),
    };
    let mut ranges: HashMap<u64, Vec<u64>> = range_rows.into_iter().map(|(id, _, v)| (id, v)).collect();
    let mut rows: Vec<Row> = stat_rows
        .into_iter()
        .map(|(id, total_ns, stats)| Row { id, total_ns, stats, ranges: ranges.remove(&id) })
        .collect();
    rows.sort_by_key(|r| r.id);
    if rows.len() as u64 != count {
        eprintln!("warning: /goroutine?name={name}: {} rows, but /goroutines counts {count}", rows.len());
    }
    Ok(Group { name, count, exec_ns, columns, range_columns, rows })
}

/// The text of every `<td …>…</td>` cell in `html`, tags stripped, entities decoded, trimmed.
fn td_cells(html: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<td") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("</td>") else { break };
        cells.push(cell_text(&after[..end]));
        rest = &after[end + 5..];
    }
    cells
}

/// `html` (starting inside an opening tag's attributes) without tags, entities decoded, trimmed;
/// `&nbsp;`-only content (the stacked bar) is empty.
fn cell_text(html: &str) -> String {
    let html = html.split_once('>').map_or("", |(_, rest)| rest);
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.replace("&nbsp;", "");
    unescape_html(text.trim()).trim().to_string()
}

fn unescape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes a URL query value (`%XX` escapes and `+` for space, as Go's url.QueryEscape writes).
fn percent_decode(s: &str) -> Result<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                let Some(v) = hex else { return Err(format!("bad escape in {s:?}")) };
                bytes.push(v);
                i += 3;
            }
            b'+' => {
                bytes.push(b' ');
                i += 1;
            }
            c => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).map_err(|_| format!("invalid UTF-8 in {s:?}"))
}

/// Parses a Go `time.Duration.String()` ("1h2m3.5s", "18.997952ms", "9.408µs", "0s") into
/// nanoseconds, exactly.
fn parse_go_duration(s: &str) -> Result<u64> {
    let bad = || format!("bad Go duration {s:?}");
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    if rest == "0" || rest == "0s" {
        return Ok(0);
    }
    if negative || rest.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let int: u128 = rest[..int_len].parse().map_err(|_| bad())?;
        rest = &rest[int_len..];
        let mut frac = "";
        if let Some(r) = rest.strip_prefix('.') {
            let frac_len = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            frac = &r[..frac_len];
            rest = &r[frac_len..];
        }
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit: u128 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        let mut value = int * unit;
        let mut scale = unit;
        for d in frac.bytes() {
            scale /= 10;
            if scale == 0 {
                if d != b'0' {
                    return Err(bad()); // finer than a nanosecond
                }
                continue;
            }
            value += u128::from(d - b'0') * scale;
        }
        total += value;
    }
    u64::try_from(total).map_err(|_| bad())
}

fn http_get(port: u16, path: &str) -> Result<String> {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| format!("GET {path}: {e}"))?;
    stream.set_read_timeout(Some(RUN_TIMEOUT)).ok();
    stream.set_write_timeout(Some(Duration::from_secs(10))).ok();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("GET {path}: {e}"))?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(|e| format!("GET {path}: {e}"))?;
    let response = String::from_utf8(response).map_err(|_| format!("GET {path}: invalid UTF-8"))?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or_else(|| format!("GET {path}: malformed response"))?;
    let status = head.lines().next().unwrap_or("");
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(format!("GET {path}: {status}: {}", body.trim()));
    }
    Ok(body.to_string())
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A table of every fixture present: trace bytes, answers bytes and high-level event counts by
/// kind (from the oracle's `-d=parsed`).
fn summary(fixtures: &Path) -> Result<String> {
    const KINDS: &[&str] = &[
        "StateTransition",
        "Metric",
        "RangeBegin",
        "RangeEnd",
        "RangeActive",
        "Label",
        "TaskBegin",
        "TaskEnd",
        "RegionBegin",
        "RegionEnd",
        "Log",
        "StackSample",
        "Sync",
    ];
    let mut traces: Vec<PathBuf> = std::fs::read_dir(fixtures)
        .map_err(|e| format!("{}: {e}", fixtures.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "trace"))
        .collect();
    traces.sort_by_key(|p| {
        let stem = p.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let (name, ver) = stem.rsplit_once("-go1.").unwrap_or((&stem, "0"));
        let order = WORKLOADS.iter().position(|w| w.name == name).unwrap_or(usize::MAX);
        (order, name.to_string(), ver.parse::<u32>().unwrap_or(0))
    });
    let mut out = String::new();
    let _ = write!(out, "{:<22} {:>9} {:>9} {:>8}", "fixture", "bytes", "answers", "events");
    let short = |k: &str| k.replace("StateTransition", "Transition").replace("StackSample", "Sample");
    for k in KINDS {
        let _ = write!(out, " {:>w$}", short(k), w = short(k).len().max(6));
    }
    out.push_str("  goroutines\n");
    let (mut total_bytes, mut total_answers) = (0, 0);
    for trace in &traces {
        let fixture = trace.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let answers = fixtures.join("answers").join(&fixture);
        let answers_bytes: u64 =
            std::fs::read_dir(&answers).map(|d| d.flatten().map(|e| file_size(&e.path())).sum()).unwrap_or(0);
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let parsed = answers.join("parsed.txt.zst");
        if parsed.is_file() {
            for line in decompress(&parsed)?.lines().filter(|l| l.starts_with("M=")) {
                if let Some(kind) = line.split(' ').nth(3) {
                    *counts.entry(kind.to_string()).or_default() += 1;
                }
            }
        }
        let goroutines = std::fs::read_to_string(answers.join("goroutines.json"))
            .map(|j| j.matches("\"id\": ").count().to_string())
            .unwrap_or_else(|_| "-".into());
        let size = file_size(trace);
        total_bytes += size;
        total_answers += answers_bytes;
        let events: u64 = counts.values().sum();
        let _ = write!(out, "{fixture:<22} {size:>9} {answers_bytes:>9} {events:>8}");
        for k in KINDS {
            let _ = write!(out, " {:>w$}", counts.get(*k).copied().unwrap_or(0), w = short(k).len().max(6));
        }
        let others: Vec<String> =
            counts.iter().filter(|(k, _)| !KINDS.contains(&k.as_str())).map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            out,
            "  {goroutines:>10}{}",
            if others.is_empty() { String::new() } else { format!("  {}", others.join(" ")) }
        );
    }
    let _ = writeln!(out, "{:<22} {total_bytes:>9} {total_answers:>9}", format!("total ({})", traces.len()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_go_duration("0s").unwrap(), 0);
        assert_eq!(parse_go_duration("18.997952ms").unwrap(), 18_997_952);
        assert_eq!(parse_go_duration("9.408µs").unwrap(), 9_408);
        assert_eq!(parse_go_duration("123ns").unwrap(), 123);
        assert_eq!(parse_go_duration("1.5s").unwrap(), 1_500_000_000);
        assert_eq!(parse_go_duration("1m2.000000001s").unwrap(), 62_000_000_001);
        assert_eq!(parse_go_duration("2h0m0s").unwrap(), 7_200_000_000_000);
        assert!(parse_go_duration("1.5x").is_err());
    }

    #[test]
    fn histograms_and_task_times() {
        let row = r#"<td><table><tr><td class="histoTime" align="right"><a href=/usertask?type=a&complete=true&latmin=1%C2%B5s&latmax=1.584%C2%B5s>1µs</a></td><td><div style="width:390px;background:blue;position:relative">&nbsp;</div></td><td align="right"><div style="position:relative">86</div></td></tr>
<tr><td class="histoTime" align="right">1.584µs</td><td><div style="width:0px;background:blue;position:relative">&nbsp;</div></td><td align="right"><div style="position:relative">0</div></td></tr>
<tr><td align="right">2.511µs</td></tr></table></td>"#;
        assert_eq!(parse_histogram(row).unwrap(), vec![(1000, 86), (1584, 0)]);
        assert_eq!(parse_histogram("<td></td>").unwrap(), vec![]);
        assert_eq!(parse_seconds9("0.013918656s").unwrap(), 13_918_656);
        assert_eq!(parse_seconds9("2.000000001s").unwrap(), 2_000_000_001);
        assert!(parse_seconds9("0.01s").is_err());
        assert_eq!(link_count(r#"<a href="/userregion?type=&pc=4ba784">4</a>"#, "/userregion?type="), Some(4));
        assert_eq!(query_value("/userregion?type=a%20b&pc=4ba784", "type").unwrap(), "a b");
        assert_eq!(query_value("/userregion?type=&pc=4ba784", "pc").unwrap(), "4ba784");
    }

    #[test]
    fn parsed_round_trip() {
        let text = "M=1 P=0 G=1 Sync Time=1\nM=1 P=0 G=1 StateTransition Time=2 GoID=9 NotExist->Runnable Reason=\"\"\nTransitionStack=\n\tmain.f @ 0x1\n\t\tmain.go:3\n\nStack=\n\tmain.f @ 0x1\n\t\tmain.go:3\n\nStack=\n\nM=1 P=0 G=1 Log Time=3\nStack=\n\tx @ 0x2\n";
        let (events, stacks) = compact_parsed(text);
        assert_eq!(stacks, "@1\n\tmain.f @ 0x1\n\t\tmain.go:3\n@2\n");
        assert!(events.contains("TransitionStack=@1\nStack=@1\nStack=@2\n"));
        assert_eq!(expand_parsed(&events, &stacks).unwrap(), text);
    }

    #[test]
    fn pprof_canonical() {
        let raw = "PeriodType: trace count\nPeriod: 1\nSamples:\ncontentions/count delay/nanoseconds\n          2     100: 2 1 \n          1      50: 3 \nLocations\n     1: 0x1 M=1 main.b main.go:2:0 s=0\n     2: 0x2 M=1 main.a main.go:1:0 s=0\n     3: 0x3 M=1 main.0 main.go:0:0 s=0\nMappings\n1: 0x0/0x0/0x0   \n";
        let out = canonical_pprof_raw(raw).unwrap();
        // Sorted by resolved frames (leaf first, address first): [0x2, 0x1] < [0x3].
        assert!(out.contains("         2        100: 1 2\n         1         50: 3\n"), "{out}");
        assert!(out.contains("     1: 0x2 M=1 main.a"), "{out}");
        assert!(out.contains("     3: 0x3 M=1 main.0"), "{out}");
        assert!(out.ends_with("Mappings\n1: 0x0/0x0/0x0\n"), "{out}");
    }
}
