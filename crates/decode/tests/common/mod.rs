//! Test helpers: Go's text trace format (trace-format.md §8.2) and the vectors' manifest.

#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;

pub fn fixtures() -> PathBuf {
    gotv_fixtures::go_vectors()
}

/// Event names, numbers and argument names of the text format, per Go's spec table.
const EVENTS: &[(&str, u8, &[&str])] = &[
    ("EventBatch", 1, &["gen", "m", "time", "size"]),
    ("Stacks", 2, &[]),
    ("Stack", 3, &["id", "nframes"]),
    ("Strings", 4, &[]),
    ("String", 5, &["id"]),
    ("CPUSamples", 6, &[]),
    ("CPUSample", 7, &["time", "m", "p", "g", "stack"]),
    ("Frequency", 8, &["freq"]),
    ("ProcsChange", 9, &["dt", "procs_value", "stack"]),
    ("ProcStart", 10, &["dt", "p", "p_seq"]),
    ("ProcStop", 11, &["dt"]),
    ("ProcSteal", 12, &["dt", "p", "p_seq", "m"]),
    ("ProcStatus", 13, &["dt", "p", "pstatus"]),
    ("GoCreate", 14, &["dt", "new_g", "new_stack", "stack"]),
    ("GoCreateSyscall", 15, &["dt", "new_g"]),
    ("GoStart", 16, &["dt", "g", "g_seq"]),
    ("GoDestroy", 17, &["dt"]),
    ("GoDestroySyscall", 18, &["dt"]),
    ("GoStop", 19, &["dt", "reason_string", "stack"]),
    ("GoBlock", 20, &["dt", "reason_string", "stack"]),
    ("GoUnblock", 21, &["dt", "g", "g_seq", "stack"]),
    ("GoSyscallBegin", 22, &["dt", "p_seq", "stack"]),
    ("GoSyscallEnd", 23, &["dt"]),
    ("GoSyscallEndBlocked", 24, &["dt"]),
    ("GoStatus", 25, &["dt", "g", "m", "gstatus"]),
    ("STWBegin", 26, &["dt", "kind_string", "stack"]),
    ("STWEnd", 27, &["dt"]),
    ("GCActive", 28, &["dt", "gc_seq"]),
    ("GCBegin", 29, &["dt", "gc_seq", "stack"]),
    ("GCEnd", 30, &["dt", "gc_seq"]),
    ("GCSweepActive", 31, &["dt", "p"]),
    ("GCSweepBegin", 32, &["dt", "stack"]),
    ("GCSweepEnd", 33, &["dt", "swept_value", "reclaimed_value"]),
    ("GCMarkAssistActive", 34, &["dt", "g"]),
    ("GCMarkAssistBegin", 35, &["dt", "stack"]),
    ("GCMarkAssistEnd", 36, &["dt"]),
    ("HeapAlloc", 37, &["dt", "heapalloc_value"]),
    ("HeapGoal", 38, &["dt", "heapgoal_value"]),
    ("GoLabel", 39, &["dt", "label_string"]),
    ("UserTaskBegin", 40, &["dt", "task", "parent_task", "name_string", "stack"]),
    ("UserTaskEnd", 41, &["dt", "task", "stack"]),
    ("UserRegionBegin", 42, &["dt", "task", "name_string", "stack"]),
    ("UserRegionEnd", 43, &["dt", "task", "name_string", "stack"]),
    ("UserLog", 44, &["dt", "task", "key_string", "value_string", "stack"]),
    ("GoSwitch", 45, &["dt", "g", "g_seq"]),
    ("GoSwitchDestroy", 46, &["dt", "g", "g_seq"]),
    ("GoCreateBlocked", 47, &["dt", "new_g", "new_stack", "stack"]),
    ("GoStatusStack", 48, &["dt", "g", "m", "gstatus", "stack"]),
    ("ExperimentalBatch", 49, &["exp", "gen", "m", "time"]),
    ("Sync", 50, &[]),
    ("ClockSnapshot", 51, &["dt", "mono", "sec", "nsec"]),
    ("EndOfGeneration", 52, &[]),
];

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Undoes Go's `strconv.Quote`.
pub fn unquote(s: &str) -> Result<Vec<u8>, String> {
    let inner =
        s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).ok_or_else(|| format!("not a quoted string: {s}"))?;
    let b = inner.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let hex = |s: &[u8]| -> Result<u32, String> {
        u32::from_str_radix(std::str::from_utf8(s).map_err(|e| e.to_string())?, 16).map_err(|e| e.to_string())
    };
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = *b.get(i + 1).ok_or("dangling backslash")?;
        i += 2;
        let simple = match c {
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'\'' => Some(b'\''),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            continue;
        }
        let (len, radix_digits) = match c {
            b'x' => (2, 16),
            b'u' => (4, 16),
            b'U' => (8, 16),
            b'0'..=b'7' => (2, 8),
            _ => return Err(format!("bad escape \\{}", c as char)),
        };
        let digits = b.get(i..i + len).ok_or("short escape")?;
        i += len;
        match c {
            b'x' => out.push(hex(digits)? as u8),
            b'u' | b'U' => {
                let ch = char::from_u32(hex(digits)?).ok_or("bad code point")?;
                out.extend_from_slice(ch.to_string().as_bytes());
            }
            _ => {
                let all = [&[c], digits].concat();
                let v =
                    u32::from_str_radix(std::str::from_utf8(&all).unwrap(), radix_digits).map_err(|e| e.to_string())?;
                out.push(v as u8);
            }
        }
    }
    Ok(out)
}

/// Converts a text trace (starting at its `Trace Go1.N` line) to the binary format, as Go's
/// raw writer does: minimal varints, sizes as written in the text.
pub fn text_to_binary(text: &str) -> Result<Vec<u8>, String> {
    let mut lines = text.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty()).peekable();
    let first = lines.next().ok_or("empty trace")?;
    let minor: u32 = first
        .strip_prefix("Trace Go1.")
        .ok_or_else(|| format!("bad first line {first:?}"))?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let mut out = format!("go 1.{minor} trace").into_bytes();
    out.resize(16, 0);
    while let Some(line) = lines.next() {
        let mut toks = line.split_whitespace();
        let name = toks.next().unwrap_or("");
        let &(_, num, args) = EVENTS.iter().find(|e| e.0 == name).ok_or_else(|| format!("unknown event {name:?}"))?;
        out.push(num);
        let mut values = Vec::new();
        for want in args {
            let tok = toks.next().ok_or_else(|| format!("{line:?}: missing {want}"))?;
            let (k, v) = tok.split_once('=').ok_or_else(|| format!("{line:?}: bad token {tok:?}"))?;
            if k != *want {
                return Err(format!("{line:?}: expected {want}, got {k}"));
            }
            let v: u64 = v.parse().map_err(|e| format!("{line:?}: {e}"))?;
            values.push(v);
            put_uvarint(&mut out, v);
        }
        if let Some(extra) = toks.next() {
            return Err(format!("{line:?}: extra token {extra:?}"));
        }
        if name == "Stack" {
            for _ in 0..values[1] {
                let frame = lines.next().ok_or("missing frame line")?;
                for (tok, want) in frame.split_whitespace().zip(["pc", "func", "file", "line"]) {
                    let (k, v) = tok.split_once('=').ok_or("bad frame token")?;
                    if k != want {
                        return Err(format!("frame: expected {want}, got {k}"));
                    }
                    put_uvarint(&mut out, v.parse().map_err(|e| format!("{e}"))?);
                }
            }
        }
        if name == "String" || name == "ExperimentalBatch" {
            let data = lines.next().ok_or("missing data line")?;
            let q = data.strip_prefix("data=").ok_or("expected data=")?;
            let bytes = unquote(q)?;
            put_uvarint(&mut out, bytes.len() as u64);
            out.extend_from_slice(&bytes);
        }
    }
    Ok(out)
}

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
