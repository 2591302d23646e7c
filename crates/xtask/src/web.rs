//! Building dist/: the static site, as wasm-pack.toml says.

use crate::provision::{self, run};
use crate::{cache_dir, root, Result};
use base64::Engine as _;
use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Deserialize)]
pub struct Settings {
    #[serde(rename = "crate")]
    krate: CrateSettings,
    bindgen: Bindgen,
    #[serde(rename = "wasm-opt")]
    wasm_opt: WasmOpt,
    dist: Dist,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct CrateSettings {
    path: PathBuf,
    out_name: String,
    profile: String,
}

#[derive(Deserialize)]
struct Bindgen {
    target: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct WasmOpt {
    enabled: bool,
    npm_package: String,
    args: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Dist {
    dir: PathBuf,
    shell: PathBuf,
    demo_trace: PathBuf,
    single_file: String,
}

#[derive(Deserialize)]
struct Manifest {
    package: Package,
}

#[derive(Deserialize)]
struct Package {
    name: String,
}

impl Settings {
    pub fn load() -> Result<Settings> {
        let path = root().join("wasm-pack.toml");
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The same bundle with the wasm's function names kept, in a folder of its own: CPU
    /// profiles of the page then name Rust functions.
    pub fn with_names(mut self) -> Settings {
        self.wasm_opt.args.push("--debuginfo".into());
        self.dist.dir = PathBuf::from("target/dist-names");
        self
    }

    pub fn dist_dir(&self) -> PathBuf {
        root().join(&self.dist.dir)
    }
}

const TARGET: &str = "wasm32-unknown-unknown";

/// Builds dist/ and reports the wasm size, which is tracked from build to build.
pub fn build(s: &Settings) -> Result {
    let root = root();
    provision::rust_target(TARGET)?;
    let manifest_path = root.join(&s.krate.path).join("Cargo.toml");
    let manifest: Manifest = toml::from_str(&fs::read_to_string(&manifest_path).map_err(|e| e.to_string())?)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let package = manifest.package.name;
    run(Command::new("cargo")
        .args(["build", "--target", TARGET, "--profile", &s.krate.profile, "--package", &package])
        .current_dir(&root))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let wasm = target_dir.join(TARGET).join(&s.krate.profile).join(format!("{}.wasm", package.replace('-', "_")));

    let dist = s.dist_dir();
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    }
    let pkg = dist.join("pkg");
    let bindgen = provision::wasm_bindgen_bin()?.join("wasm-bindgen");
    run(Command::new(bindgen)
        .args(["--target", &s.bindgen.target, "--no-typescript", "--out-name", &s.krate.out_name, "--out-dir"])
        .arg(&pkg)
        .arg(&wasm))?;
    let bg_wasm = pkg.join(format!("{}_bg.wasm", s.krate.out_name));
    let unoptimized = file_len(&bg_wasm)?;
    if s.wasm_opt.enabled {
        run(Command::new(wasm_opt(&s.wasm_opt.npm_package)?)
            .args(&s.wasm_opt.args)
            .arg(&bg_wasm)
            .arg("-o")
            .arg(&bg_wasm))?;
    }

    copy_dir(&root.join(&s.dist.shell), &dist)?;
    let demo_src = root.join(&s.dist.demo_trace);
    let demo = fs::read(&demo_src).map_err(|e| format!("demo trace {}: {e}", demo_src.display()))?;
    fs::create_dir_all(dist.join("demo")).map_err(|e| e.to_string())?;
    fs::write(dist.join("demo/workshop.trace"), &demo).map_err(|e| e.to_string())?;

    let single = single_file(s, &dist, &demo)?;
    let single_path = dist.join(&s.dist.single_file);
    fs::write(&single_path, single).map_err(|e| e.to_string())?;

    let optimized = file_len(&bg_wasm)?;
    eprintln!(
        "dist: {} — wasm {} bytes ({} before wasm-opt), single-file page {} bytes",
        dist.display(),
        optimized,
        unoptimized,
        file_len(&single_path)?
    );
    Ok(())
}

/// One HTML file with the CSS, the JS glue, the wasm and the demo trace inlined: browsers do
/// not load module scripts or fetch files next to a page opened from disk.
fn single_file(s: &Settings, dist: &Path, demo: &[u8]) -> Result<String> {
    let read = |p: PathBuf| fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    let html = read(dist.join("index.html"))?;
    let css = read(dist.join("style.css"))?;
    let glue = read(dist.join("pkg").join(format!("{}.js", s.krate.out_name)))?;
    let wasm = fs::read(dist.join("pkg").join(format!("{}_bg.wasm", s.krate.out_name))).map_err(|e| e.to_string())?;
    let b64 = base64::engine::general_purpose::STANDARD;
    // The worker runs the same glue. From file:// only a classic worker from a Blob URL starts
    // (module workers from blob: fail there), so the glue's module syntax is taken out.
    let worker = read(dist.join("worker.js"))?;
    let worker_body: String = worker.lines().filter(|l| !l.starts_with("import ")).map(|l| format!("{l}\n")).collect();
    let worker_source = serde_json::to_string(&format!("{}\n{worker_body}", classic_script(&glue)?))
        .map_err(|e| e.to_string())?
        .replace("</", "<\\/");
    let script = format!(
        "{glue}\nconst gotvWasm = Uint8Array.from(atob(\"{}\"), (c) => c.charCodeAt(0));\nconst gotvWorkerSource = {worker_source};\n{SINGLE_FILE_START}",
        b64.encode(wasm)
    );
    if script.contains("</script") {
        return Err("the inlined script contains </script".into());
    }
    let replacements = [
        (r#"<link rel="stylesheet" href="style.css">"#, format!("<style>\n{css}</style>")),
        (r#"<script type="module" src="bootstrap.js"></script>"#, String::new()),
        // Inline code is the point of this file; 'self' still forbids any network access.
        ("script-src 'self'", "script-src 'unsafe-inline'".to_string()),
        ("worker-src 'self'", "worker-src blob:".to_string()),
        ("style-src 'self'", "style-src 'unsafe-inline'".to_string()),
        (
            "</body>",
            format!(
                "<script type=\"application/octet-stream\" id=\"demo-trace\">{}</script>\n<script type=\"module\">\n{script}</script>\n</body>",
                b64.encode(demo)
            ),
        ),
    ];
    let mut out = html;
    for (from, to) in replacements {
        if !out.contains(from) {
            return Err(format!("web/index.html no longer contains {from:?}, which the single-file build replaces"));
        }
        out = out.replacen(from, &to, 1);
    }
    Ok(out)
}

/// What bootstrap.js does, for the single file: compile the inlined module once, start workers
/// from the inlined source, then start the page.
const SINGLE_FILE_START: &str = r#"try {
  const module = new WebAssembly.Module(gotvWasm);
  const workerUrl = URL.createObjectURL(new Blob([gotvWorkerSource], { type: 'text/javascript' }));
  globalThis.gotvSpawnWorker = () => {
    const worker = new Worker(workerUrl);
    worker.postMessage(module);
    return worker;
  };
  initSync({ module });
} catch (e) {
  const el = document.getElementById('panic');
  el.textContent = `gotv could not start: ${e}`;
  el.classList.remove('hidden');
}
"#;

/// wasm-bindgen's `--target web` glue as a classic script: its exports become plain
/// declarations. Anything else module-only makes the build fail rather than the page.
fn classic_script(glue: &str) -> Result<String> {
    let mut out = String::with_capacity(glue.len());
    for line in glue.lines() {
        if line.starts_with("export {") {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).replace("import.meta.url", "self.location.href");
        if line.starts_with("import ") || line.contains("import.meta") || line.contains("export ") {
            return Err(format!("the wasm-bindgen glue has module syntax the single-file worker cannot take: {line}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn wasm_opt(package: &str) -> Result<PathBuf> {
    let version = package.rsplit('@').next().unwrap_or(package);
    let prefix = cache_dir().join(format!("binaryen-{version}"));
    let bin = prefix.join("node_modules/.bin/wasm-opt");
    if !bin.exists() {
        fs::create_dir_all(&prefix).map_err(|e| e.to_string())?;
        run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(&prefix).arg(package))?;
    }
    Ok(bin)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let dest = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        }
    }
    Ok(())
}

fn file_len(p: &Path) -> Result<u64> {
    fs::metadata(p).map(|m| m.len()).map_err(|e| format!("{}: {e}", p.display()))
}
