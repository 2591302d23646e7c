//! `cargo xtask <task>`: every command the README, CI and developers run.
//!
//! Each task installs what it needs on a fresh machine of this kind (Debian, rustup, Python,
//! Node) into caches under `~/.cache/gotv`, so the README's two commands work from a clean clone.

mod bench;
mod bench_web;
mod fixtures;
mod go;
mod profile_web;
mod provision;
mod serve;
mod test;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

  serve [--port N]     build the web app into dist/ and serve it on 127.0.0.1 (the demo trace included)
  build-web            build the web app into dist/ (settings: wasm-pack.toml)
  test                 run every test: Rust (native and wasm), then the browser tests
  fixtures [WORKLOAD…] regenerate tests/fixtures with every Go release, and Go's answers
  bench [--runs N] [FILE…]  decoder speed and peak memory against Go's internal/trace reader
  bench-web [--no-go] [--runs N] [FILE…]  the page in Chromium (first paint, frame times, each view's
                       time, memory) against go tool trace
  profile-web [--top N] [--view KEY] FILE  where the page's worker spends its time opening FILE (or
                       then a view: threads, story, group, net, sync, syscall, sched, cpu, gc, tasks)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match task.as_str() {
        "serve" => serve::run(rest),
        "build-web" => web::Settings::load().and_then(|s| web::build(&s)),
        "test" => test::run(rest),
        "fixtures" => fixtures::run(rest),
        "bench" => bench::run(rest),
        "bench-web" => bench_web::run(rest),
        "profile-web" => profile_web::run(rest),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Errors are reported to a person at a terminal, so a message is all they need to carry.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (xtask lives two folders below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// Where installed tools are kept between runs (and between CI runs on the same machine).
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("GOTV_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into())).join(".cache/gotv")
    });
    std::fs::create_dir_all(&base).ok();
    base
}
