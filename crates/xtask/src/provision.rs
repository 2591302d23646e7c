//! Installing the tools a task needs, once per machine, and running commands with errors a
//! person can act on.

use crate::{cache_dir, root, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`, failing with the command line when it does not exit 0.
pub fn run(cmd: &mut Command) -> Result {
    let status = cmd.status().map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(cmd)))
    }
}

/// Runs `cmd` and returns its standard output.
pub fn output(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = cmd.output().map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!("`{}` failed ({}): {}", describe(cmd), out.status, String::from_utf8_lossy(&out.stderr).trim()))
    }
}

pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn on_path(program: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success())
}

/// Debian packages, installed with apt-get when a listed program is missing.
pub fn apt(programs_and_packages: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = programs_and_packages
        .iter()
        .filter(|(prog, _)| !Path::new(prog).exists() && !on_path(prog))
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing Debian packages: {}", missing.join(" "));
    let apt_get = || {
        let mut cmd = if is_root() { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root() {
            cmd.arg("apt-get");
        }
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(apt_get().args(["update", "-q"]))?;
    run(apt_get().args(["install", "-y", "-q", "--no-install-recommends"]).args(&missing))
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|o| o.trim_ascii() == b"0")
}

/// `npm ci` (or `npm install` without a lock file) in `dir` when its node_modules is missing
/// or older than its package.json.
pub fn npm(dir: &Path) -> Result {
    let modules = dir.join("node_modules");
    let manifest = dir.join("package-lock.json");
    let stale = match (modules.metadata().and_then(|m| m.modified()), manifest.metadata().and_then(|m| m.modified())) {
        (Ok(installed), Ok(locked)) => installed < locked,
        _ => true,
    };
    if !stale {
        return Ok(());
    }
    let verb = if manifest.exists() { "ci" } else { "install" };
    run(Command::new("npm").arg(verb).args(["--no-audit", "--no-fund"]).current_dir(dir))
}

pub fn rust_target(target: &str) -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if String::from_utf8_lossy(&installed).lines().any(|l| l.trim() == target) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", target]))
}

/// The version of a package as Cargo.lock pins it.
pub fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// The folder holding `wasm-bindgen` and `wasm-bindgen-test-runner` at the Cargo.lock version,
/// built from crates.io the first time (about 15 minutes on 2 cores).
pub fn wasm_bindgen_bin() -> Result<PathBuf> {
    let version = locked_version("wasm-bindgen")?;
    let prefix = cache_dir().join(format!("wasm-bindgen-{version}"));
    let bin = prefix.join("bin");
    if !bin.join("wasm-bindgen").exists() || !bin.join("wasm-bindgen-test-runner").exists() {
        eprintln!("installing wasm-bindgen-cli {version} into {} (once per machine)", prefix.display());
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version, "--root"]).arg(&prefix))?;
    }
    Ok(bin)
}

/// PATH with the given folders first.
pub fn path_with(dirs: &[PathBuf]) -> std::ffi::OsString {
    let old = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(dirs.iter().cloned().chain(std::env::split_paths(&old))).expect("PATH")
}
