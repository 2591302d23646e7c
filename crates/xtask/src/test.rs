//! `cargo xtask test`: every test the project has, installing what they need on a fresh machine.

use crate::provision::{self, run as exec};
use crate::web::{build, Settings};
use crate::{root, Result};
use std::process::Command;

pub fn run(args: &[String]) -> Result {
    if !args.is_empty() {
        return Err("usage: cargo xtask test".into());
    }
    let root = root();
    // Style first: it is the cheapest failure.
    exec(Command::new("cargo").args(["fmt", "--all", "--check"]).current_dir(&root))?;
    exec(
        Command::new("cargo")
            .args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
            .current_dir(&root),
    )?;
    // Native: unit, conformance, differential and CLI tests.
    exec(Command::new("cargo").args(["test", "--workspace", "--locked"]).current_dir(&root))?;
    // The core crates must stay buildable for the page.
    provision::rust_target("wasm32-unknown-unknown")?;
    exec(
        Command::new("cargo")
            .args([
                "check",
                "--locked",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "gotv-decode",
                "-p",
                "gotv-analysis",
                "-p",
                "gotv-web",
            ])
            .current_dir(&root),
    )?;

    // The CJK font draws the page's Japanese labels (Debian's Chromium brings none).
    provision::apt(&[
        ("/usr/bin/chromium", "chromium"),
        ("/usr/bin/chromedriver", "chromium-driver"),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    ])?;
    // The wasm build in Chromium (wasm-bindgen-test-runner, configured by crates/web/webdriver.json).
    let bindgen = provision::wasm_bindgen_bin()?;
    exec(
        Command::new("cargo")
            .args(["test", "--locked", "--target", "wasm32-unknown-unknown", "-p", "gotv-web"])
            .env("PATH", provision::path_with(&[bindgen]))
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .current_dir(root.join("crates/web")),
    )?;

    // The page, as a person uses it, in Debian's Chromium.
    build(&Settings::load()?)?;
    // The page's numbers are checked against the CLI's.
    exec(Command::new("cargo").args(["build", "--locked", "-p", "gotv-cli"]).current_dir(&root))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
    let e2e = root.join("tests/e2e");
    provision::npm(&e2e)?;
    exec(
        Command::new("npm").args(["test", "--silent"]).env("GOTV_BIN", target_dir.join("debug/gotv")).current_dir(&e2e),
    )
}
