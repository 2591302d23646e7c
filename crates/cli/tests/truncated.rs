//! A trace cut part-way (a copy still being written, a size limit): every command prints what
//! came before the break and then fails, saying where the trace broke. Odd and broken traces
//! of every kind make no command panic.

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

/// No command panics on Go's vectors or the inputs the decoder's fuzzing kept: each prints
/// what decoded and, where decoding broke, says so.
#[test]
fn no_command_panics_on_odd_or_broken_traces() {
    let inputs = gotv_fixtures::odd_inputs();
    let commands: [&[&str]; 9] = [
        &["stats"],
        &["diagnose"],
        &["goroutines"],
        &["events"],
        &["mmu"],
        &["gc"],
        &["gc", "--json"],
        &["tasks"],
        &["cpu"],
    ];
    // Two at a time: thousands of runs. Each writes its pprof file to a path of its own.
    let panics: Vec<String> = std::thread::scope(|s| {
        let halves = inputs.chunks(inputs.len().div_ceil(2)).enumerate().map(|(h, half)| {
            s.spawn(move || {
                let out = std::env::temp_dir().join(format!("gotv-odd-{}-{h}.pb.gz", std::process::id()));
                let pprof = ["pprof", "--kind", "sync", "-o", out.to_str().expect("temp path")];
                let mut panics = Vec::new();
                for path in half {
                    for args in commands.iter().copied().chain([&pprof[..]]) {
                        let run = Command::new(env!("CARGO_BIN_EXE_gotv")).args(args).arg(path).output().unwrap();
                        if String::from_utf8_lossy(&run.stderr).contains("panicked") {
                            panics.push(format!("{args:?} {}", path.display()));
                        }
                    }
                }
                let _ = std::fs::remove_file(&out);
                panics
            })
        });
        halves.collect::<Vec<_>>().into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(panics.is_empty(), "{} runs panicked:\n{}", panics.len(), panics.join("\n"));
}
