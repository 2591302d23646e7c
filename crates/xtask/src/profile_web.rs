//! `cargo xtask profile-web [--top N] [--view KEY] FILE`: where the page's worker spends its time
//! opening FILE, by Rust function: a CPU profile of the worker in Chromium
//! (`tests/e2e/profile.mjs`), from the drop until the work after the first frame is done; with
//! `--view`, of the worker and the page opening one view after that (keys in the script). The
//! bundle is built as `build-web` builds it, with the function names kept, into its own folder.

use crate::provision::{self, run as run_command};
use crate::web::{build, Settings};
use crate::{root, Result};
use std::process::Command;

pub fn run(rest: &[String]) -> Result {
    let usage = "usage: cargo xtask profile-web [--top N] [--view KEY] FILE";
    let mut top = 30;
    let mut view = None;
    let mut file = None;
    let mut args = rest.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--top" => top = args.next().and_then(|n| n.parse().ok()).filter(|&n: &u32| n > 0).ok_or(usage)?,
            "--view" => view = Some(args.next().ok_or(usage)?),
            "-h" | "--help" => {
                eprintln!("{usage}");
                return Ok(());
            }
            f if file.is_none() => file = Some(std::fs::canonicalize(f).map_err(|e| format!("{f}: {e}"))?),
            _ => return Err(usage.into()),
        }
    }
    let file = file.ok_or(usage)?;
    let settings = Settings::load()?.with_names();
    build(&settings)?;
    provision::apt(&[("/usr/bin/chromium", "chromium")])?;
    let e2e = root().join("tests/e2e");
    provision::npm(&e2e)?;
    run_command(
        Command::new("node")
            .arg("profile.mjs")
            .args(["--top", &top.to_string()])
            .args(view.into_iter().flat_map(|v| ["--view", v]))
            .arg(&file)
            .env("GOTV_DIST", settings.dist_dir())
            .current_dir(&e2e),
    )
}
