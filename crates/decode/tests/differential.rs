//! Our events against Go 1.27.3's `go tool trace -d=parsed` for every real Go 1.21–1.27
//! fixture (1.21 is the old format, which Go converts to the same events) (tests/fixtures/README.md). Go forces strictly increasing output times, so any
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
        if stem.rsplit_once("-go1.").and_then(|(_, v)| v.parse::<u32>().ok()).is_none() {
            continue;
        }
        let answers = fixtures().join("answers").join(stem);
        let (parsed, stacks) = (answers.join("parsed.txt.zst"), answers.join("stacks.txt.zst"));
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
        let old_format = stem.ends_with("-go1.21");
        let difference = if old_format { tie_tolerant_difference(&w, &g) } else { first_difference(&w, &g) };
        if let Some(diff) = difference {
            let count = |v: &[&str], k: &str| v.iter().filter(|b| kind(b) == k).count();
            let kinds: Vec<String> =
                ["StateTransition", "Metric", "RangeBegin", "RangeEnd", "Label", "StackSample", "Sync"]
                    .iter()
                    .filter(|k| count(&w, k) != count(&g, k))
                    .map(|k| format!("{k}: go {} ours {}", count(&w, k), count(&g, k)))
                    .collect();
            failures.push(format!(
                "{stem}: {} events from Go, {} from us; {diff}\ncounts differ: {kinds:?}",
                w.len(),
                g.len()
            ));
        }
    }
    assert_eq!(checked, 45, "every workload × Go 1.21–1.27 fixture");
    assert!(failures.is_empty(), "{} of {checked} traces differ:\n{}", failures.len(), failures.join("\n\n"));
    eprintln!("{checked} real traces identical to Go's");
}

fn first_difference(want: &[&str], got: &[&str]) -> Option<String> {
    let i = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i))?;
    Some(format!(
        "first difference at event {i}:\n--- go\n{}--- ours\n{}",
        want.get(i).unwrap_or(&"(none)\n"),
        got.get(i).unwrap_or(&"(none)\n")
    ))
}

/// Go's old-format reader merges per-P batches in map order, so events with equal timestamps
/// on different Ps come out in a random order, and its conversion then nudges tied times apart
/// by 1 ns each. What is deterministic, and must match: the event sequence of every goroutine
/// and of every proc, with each time within the nudge of a tie.
fn tie_tolerant_difference(want: &[&str], got: &[&str]) -> Option<String> {
    const TIE_NS: i64 = 64;
    if want.len() != got.len() {
        return Some(format!("{} events from Go, {} from us", want.len(), got.len()));
    }
    for field in ["G=", "P="] {
        let (w, g) = (by_resource(want, field), by_resource(got, field));
        if w.keys().ne(g.keys()) {
            return Some(format!("different {field} resources"));
        }
        for (id, ws) in &w {
            let gs = &g[id];
            if let Some(i) = (0..ws.len().max(gs.len())).find(|&i| match (ws.get(i), gs.get(i)) {
                (Some((wt, wtext)), Some((gt, gtext))) => wtext != gtext || (wt - gt).abs() > TIE_NS,
                _ => true,
            }) {
                return Some(format!(
                    "{field}{id}: event {i} of its sequence differs:\n--- go\n{:?}\n--- ours\n{:?}",
                    ws.get(i),
                    gs.get(i)
                ));
            }
        }
    }
    None
}

/// Event texts (time taken out) and times, per value of `field` in the event line.
fn by_resource<'a>(events: &[&'a str], field: &str) -> std::collections::BTreeMap<&'a str, Vec<(i64, String)>> {
    let mut out: std::collections::BTreeMap<&str, Vec<(i64, String)>> = Default::default();
    for block in events {
        let line = block.lines().next().unwrap_or("");
        let id = line.split(' ').find_map(|f| f.strip_prefix(field)).unwrap_or("");
        let time_field = line.split(' ').find(|f| f.starts_with("Time=")).unwrap_or("");
        let time = time_field.trim_start_matches("Time=").parse().unwrap_or(i64::MIN);
        out.entry(id).or_default().push((time, block.replacen(time_field, "Time=", 1)));
    }
    out
}
