//! A trace cut part-way (a copy still being written, a size limit): every command prints what
//! came before the break and then fails, saying where the trace broke.

use std::process::Command;

#[test]
fn every_command_reports_where_a_cut_trace_broke() {
    let fixture = gotv_fixtures::all().into_iter().find(|f| f.name == "stress-go1.27").expect("stress-go1.27");
    let bytes = fixture.bytes();
    let cut = std::env::temp_dir().join(format!("gotv-cut-{}.trace", std::process::id()));
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 5]).unwrap();
    let commands: [&[&str]; 7] = [
        &["stats"],
        &["goroutines"],
        &["pprof", "--kind", "sync", "--json"],
        &["events"],
        &["diagnose"],
        &["mmu"],
        &["stats", "--json"],
    ];
    for args in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_gotv")).args(args).arg(&cut).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded on a cut trace");
        assert!(!out.stdout.is_empty(), "{args:?} printed nothing of what decoded");
        assert!(
            stderr.contains("decoding stopped early: trace is truncated")
                && stderr.contains("at byte offset")
                && stderr.contains("generation"),
            "{args:?}: {stderr}"
        );
    }
    std::fs::remove_file(&cut).unwrap();
}
