//! Fixtures and Go 1.27.3's answers for them, by name (tests/fixtures/README.md).

// Each test file uses only some of these helpers.
#![allow(dead_code)]

use gotv_decode::Trace;
use gotv_fixtures::Fixture;

fn fixture(name: &str) -> Fixture {
    gotv_fixtures::all().into_iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no fixture {name}"))
}

pub fn fixtures() -> Vec<String> {
    gotv_fixtures::all().into_iter().map(|f| f.name).collect()
}

/// Go 1.22+ fixtures.
pub fn fixtures_v2() -> Vec<String> {
    gotv_fixtures::all().into_iter().filter(|f| !f.is_old_format()).map(|f| f.name).collect()
}

/// Go 1.21 fixtures (the old format, converted as Go 1.27 does).
pub fn fixtures_v1() -> Vec<String> {
    gotv_fixtures::all().into_iter().filter(|f| f.is_old_format()).map(|f| f.name).collect()
}

pub fn load(name: &str) -> Trace {
    let d = gotv_decode::decode(&fixture(name).bytes());
    assert!(d.error.is_none(), "{name}: {:?}", d.error);
    d.trace
}

/// Go's `-d=parsed` event lines (stack blocks left out).
pub fn parsed_lines(name: &str) -> Vec<String> {
    fixture(name).answer("parsed.txt.zst").lines().filter(|l| l.starts_with("M=")).map(str::to_owned).collect()
}

pub fn answer(name: &str, file: &str) -> String {
    fixture(name).answer(file)
}

pub fn path(name: &str) -> std::path::PathBuf {
    fixture(name).path()
}

/// Go's conformance vectors and every input the decoder's fuzzing kept: hand-made and fuzzed
/// oddities (IDs reused, goroutines that end twice, huge times) that our fixtures lack. Most
/// end in a decoding error; the analyses get what was decoded before it.
pub fn odd_inputs() -> Vec<std::path::PathBuf> {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../decode/fuzz/corpus");
    let mut inputs = Vec::new();
    for dir in [gotv_fixtures::go_vectors(), corpus.join("decode"), corpus.join("decode_chunked")] {
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x == "trace" || x == "bin") {
                inputs.push(p);
            }
        }
    }
    assert!(inputs.len() > 600, "found only {} inputs", inputs.len());
    inputs
}
