//! Our events against Go 1.27.3's `go tool trace -d=parsed` for every real Go 1.22–1.27
//! fixture (tests/fixtures/README.md). Go forces strictly increasing output times, so any
//! difference in order also shows as a difference in times: the streams must be identical.

use std::io::Read;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn unzstd(path: &Path) -> String {
    let f = std::fs::File::open(path).unwrap();
    let mut dec = ruzstd::decoding::StreamingDecoder::new(std::io::BufReader::new(f)).unwrap();
    let mut s = String::new();
    dec.read_to_string(&mut s).unwrap();
    s
}

/// Rebuilds `-d=parsed` output from its stack-factored form.
fn expand(parsed: &str, stacks: &str) -> String {
    let mut table: Vec<String> = Vec::new();
    for line in stacks.lines() {
        if line.starts_with('@') {
            table.push(String::new());
        } else if let Some(t) = table.last_mut() {
            t.push_str(line);
            t.push('\n');
        }
    }
    let mut out = String::with_capacity(parsed.len() * 2);
    for line in parsed.lines() {
        let block = line
            .strip_prefix("Stack=@")
            .map(|n| ("Stack=", n))
            .or_else(|| line.strip_prefix("TransitionStack=@").map(|n| ("TransitionStack=", n)));
        match block {
            Some((title, n)) => {
                let n: usize = n.parse().unwrap();
                out.push_str(title);
                out.push('\n');
                out.push_str(&table[n - 1]);
                out.push('\n');
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Splits output into one text block per event.
fn blocks(text: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = text.match_indices("\nM=").map(|(i, _)| i + 1).collect();
    if text.starts_with("M=") {
        starts.insert(0, 0);
    }
    starts.push(text.len());
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

fn kind(block: &str) -> &str {
    block.split(' ').nth(3).unwrap_or("")
}

#[test]
fn real_traces_match_go_event_for_event() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(fixtures()).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(stem) = name.strip_suffix(".trace") else { continue };
        let Some(minor) = stem.rsplit_once("-go1.").and_then(|(_, v)| v.parse::<u32>().ok()) else { continue };
        if minor < 22 {
            continue;
        }
        let answers = fixtures().join("answers").join(stem);
        let (parsed, stacks) = (answers.join("parsed.txt.zst"), answers.join("stacks.txt.zst"));
        if !parsed.exists() || !stacks.exists() {
            continue;
        }
        let want = expand(&unzstd(&parsed), &unzstd(&stacks));
        let d = gotv_decode::decode(&std::fs::read(&path).unwrap());
        let go_failed = answers.join("parsed.err").exists();
        if let (Some(e), false) = (&d.error, go_failed) {
            failures.push(format!("{stem}: Go reads it, we stopped: {e}"));
        }
        let mut got = String::new();
        for ev in d.trace.events() {
            got.push_str(&ev.to_string());
            got.push('\n');
        }
        checked += 1;
        let (w, g) = (blocks(&want), blocks(&got));
        if let Some(i) = (0..w.len().max(g.len())).find(|&i| w.get(i) != g.get(i)) {
            let count = |v: &[&str], k: &str| v.iter().filter(|b| kind(b) == k).count();
            let kinds: Vec<String> =
                ["StateTransition", "Metric", "RangeBegin", "RangeEnd", "Label", "StackSample", "Sync"]
                    .iter()
                    .filter(|k| count(&w, k) != count(&g, k))
                    .map(|k| format!("{k}: go {} ours {}", count(&w, k), count(&g, k)))
                    .collect();
            failures.push(format!(
                "{stem}: {} events from Go, {} from us; first difference at event {i}:\n--- go\n{}--- ours\n{}counts differ: {kinds:?}",
                w.len(),
                g.len(),
                w.get(i).unwrap_or(&"(none)\n"),
                g.get(i).unwrap_or(&"(none)\n"),
            ));
        }
    }
    assert!(checked > 0, "no fixtures with answers found");
    assert!(failures.is_empty(), "{} of {checked} traces differ:\n{}", failures.len(), failures.join("\n\n"));
    eprintln!("{checked} real traces identical to Go's");
}
