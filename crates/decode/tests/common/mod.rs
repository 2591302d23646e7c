//! Test helpers: Go's `.test` vectors (their text traces are read by `gotv_fixtures::text`) and
//! the vectors' manifest.

#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;

pub fn fixtures() -> PathBuf {
    gotv_fixtures::go_vectors()
}

use gotv_fixtures::text::unquote;

/// What a `.test` file expects.
#[derive(Debug)]
pub enum Expect {
    Success,
    /// The error text must contain this (the Go regexps used are `.*literal.*` or literal).
    Failure(String),
}

/// Splits a txtar `.test` file into its expectation and its trace text.
pub fn read_test(text: &str) -> Result<(Expect, String), String> {
    let mut members: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim_end();
        if let Some(name) = t.strip_prefix("-- ").and_then(|s| s.strip_suffix(" --")) {
            members.push((name.to_string(), String::new()));
        } else if let Some(m) = members.last_mut() {
            m.1.push_str(line);
        }
    }
    let get = |n: &str| members.iter().find(|m| m.0 == n).map(|m| m.1.clone()).ok_or(format!("no {n} member"));
    let expect = get("expect")?;
    let first = expect.lines().next().unwrap_or("").trim();
    let expect = if first == "SUCCESS" {
        Expect::Success
    } else if let Some(re) = first.strip_prefix("FAILURE ") {
        let re = String::from_utf8(unquote(re)?).map_err(|e| e.to_string())?;
        Expect::Failure(re.trim_start_matches(".*").trim_end_matches(".*").to_string())
    } else {
        return Err(format!("bad expectation {first:?}"));
    };
    Ok((expect, get("trace")?))
}

/// A row of MANIFEST.md: file name and its "Expected outcome" cell.
pub fn manifest() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(fixtures().join("MANIFEST.md")).unwrap();
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let file = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((file.to_string(), cells.get(7)?.to_string()))
        })
        .collect()
}

/// How many events Go reads from a vector: its golden output's count if it has one (the
/// manifest miscounts `go122-create-syscall-with-p`: 9, where the golden shows 10),
/// else the manifest's "(N events".
pub fn expected_events(file: &str, outcome: &str) -> Option<usize> {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    if let Ok(g) = std::fs::read_to_string(fixtures().join(format!("{stem}.golden.txt"))) {
        return Some(g.lines().filter(|l| l.starts_with("M=")).count());
    }
    manifest_events(outcome)
}

/// The "(N events" count in a manifest outcome.
fn manifest_events(outcome: &str) -> Option<usize> {
    let i = outcome.find('(')?;
    let rest = &outcome[i + 1..];
    let n = rest.split_whitespace().next()?;
    if !rest[n.len()..].trim_start().starts_with("events") {
        return None;
    }
    n.replace(',', "").parse().ok()
}
