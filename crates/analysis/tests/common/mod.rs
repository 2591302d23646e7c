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
