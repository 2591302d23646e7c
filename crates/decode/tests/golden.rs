//! Go 1.27.3's `Event.String()` output, event by event, for every vector that has a golden.

use std::path::PathBuf;

fn fixtures() -> PathBuf {
    gotv_fixtures::go_vectors()
}

/// Our events in Go's golden form: each event's String() followed by a newline.
fn render(data: &[u8]) -> (String, Option<gotv_decode::Error>) {
    let d = gotv_decode::decode(data);
    let mut s = String::new();
    for ev in d.trace.events() {
        s.push_str(&ev.to_string());
        s.push('\n');
    }
    (s, d.error)
}

#[test]
fn goldens_match_event_by_event() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(stem) = name.strip_suffix(".golden.txt") else { continue };
        if stem.starts_with("v1-") {
            continue;
        }
        let bin = ["bin", "trace"].iter().map(|e| fixtures().join(format!("{stem}.{e}"))).find(|p| p.exists()).unwrap();
        let want = std::fs::read_to_string(&path).unwrap();
        let (got, _) = render(&std::fs::read(&bin).unwrap());
        checked += 1;
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            failures.push(format!(
                "{stem}: first difference at line {}:\n  got:  {:?}\n  want: {:?}",
                line + 1,
                got.lines().nth(line),
                want.lines().nth(line)
            ));
        }
    }
    assert!(checked >= 20, "only {checked} goldens found");
    assert!(failures.is_empty(), "{} of {checked} goldens differ:\n{}", failures.len(), failures.join("\n"));
}
