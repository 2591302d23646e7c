//! Fixtures and Go 1.27.3's answers for them (tests/fixtures/README.md).

// Each test file uses only some of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;

use gotv_decode::{Format, Trace};

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every `<workload>-go1.NN` fixture that has answers (a fixture being regenerated has an
/// empty answers folder for a while).
pub fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir().join("answers"))
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let complete = e.path().join("goroutines.json").exists() && e.path().join("pprof-sched.txt").exists();
            (complete && fixtures_dir().join(format!("{name}.trace")).exists()).then_some(name)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 40, "fixtures missing: {names:?}");
    names
}

/// Go 1.22+ fixtures.
pub fn fixtures_v2() -> Vec<String> {
    fixtures().into_iter().filter(|n| !n.ends_with("-go1.21")).collect()
}

/// Go 1.21 fixtures (the old format, converted as Go 1.27 does).
pub fn fixtures_v1() -> Vec<String> {
    fixtures().into_iter().filter(|n| n.ends_with("-go1.21")).collect()
}

pub fn load(name: &str) -> Trace {
    let data = std::fs::read(fixtures_dir().join(format!("{name}.trace"))).unwrap();
    let v1 = gotv_decode::read_header(&data).map(|v| v.format() == Format::V1).unwrap_or(false);
    let d = if v1 { gotv_decode::v1::decode(&data) } else { gotv_decode::decode(&data) };
    assert!(d.error.is_none(), "{name}: {:?}", d.error);
    d.trace
}

/// Go's `-d=parsed` event lines (stack blocks left compressed as `Stack=@N`).
pub fn parsed_lines(name: &str) -> Vec<String> {
    use std::io::Read;
    let f = std::fs::File::open(fixtures_dir().join("answers").join(name).join("parsed.txt.zst")).unwrap();
    let mut dec = ruzstd::decoding::StreamingDecoder::new(std::io::BufReader::new(f)).unwrap();
    let mut s = String::new();
    dec.read_to_string(&mut s).unwrap();
    s.lines().filter(|l| l.starts_with("M=")).map(str::to_owned).collect()
}

pub fn answer(name: &str, file: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join("answers").join(name).join(file)).unwrap()
}
