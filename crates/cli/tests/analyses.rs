//! The analysis subcommands end to end, on fixtures whose answers Go 1.27.3 computed
//! (tests/fixtures/README.md). The analyses themselves are checked fixture by fixture in
//! crates/analysis/tests; this checks what the commands print and write.

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

fn gotv(args: &[&str], trace: &str) -> String {
    let out =
        Command::new(env!("CARGO_BIN_EXE_gotv")).args(args).arg(fixture(&format!("{trace}.trace"))).output().unwrap();
    assert!(out.status.success(), "gotv {args:?} {trace}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str], trace: &str) -> Value {
    serde_json::from_str(&gotv(args, trace)).unwrap()
}

const TRACE: &str = "workshop-go1.26";

#[test]
fn goroutines_json_has_gos_numbers() {
    let ours = json(&["goroutines", "--json"], TRACE);
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(&format!("answers/{TRACE}/goroutines.json"))).unwrap())
            .unwrap();
    for wg in want["groups"].as_array().unwrap() {
        let g = ours["groups"].as_array().unwrap().iter().find(|g| g["name"] == wg["name"]).unwrap();
        assert_eq!(g["count"], wg["count"]);
        assert_eq!(g["exec_ns"], wg["exec_time_ns"]);
        for wgo in wg["goroutines"].as_array().unwrap() {
            let go = ours["goroutines"].as_array().unwrap().iter().find(|g| g["id"] == wgo["id"]).unwrap();
            assert_eq!(go["total_ns"], wgo["total_ns"], "goroutine {}", wgo["id"]);
            assert_eq!(go["exec_ns"], wgo["stats"][0], "goroutine {}", wgo["id"]);
        }
    }
    let one = json(&["goroutines", "--json", "--group", "main.main"], TRACE);
    assert_eq!(one["goroutines"].as_array().unwrap().len(), 1);
    assert!(gotv(&["goroutines"], TRACE).contains("main.(*server).handleSearch.func1"));
}

/// Σ count and Σ delay of a canonical `pprof -raw` answer.
fn totals(text: &str) -> (u64, i64) {
    text.lines()
        .skip_while(|l| *l != "contentions/count delay/nanoseconds")
        .skip(1)
        .take_while(|l| *l != "Locations")
        .map(|l| {
            let v: Vec<i64> = l.split(':').next().unwrap().split_whitespace().map(|x| x.parse().unwrap()).collect();
            (v[0] as u64, v[1])
        })
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

#[test]
fn pprof_writes_gos_samples() {
    for kind in ["net", "sync", "syscall", "sched"] {
        let out = std::env::temp_dir().join(format!("gotv-test-{}-{kind}.pb.gz", std::process::id()));
        let p = json(&["pprof", "--kind", kind, "--json", "-o", out.to_str().unwrap()], TRACE);
        let samples = p["samples"].as_array().unwrap();
        let count: u64 = samples.iter().map(|s| s["count"].as_u64().unwrap()).sum();
        let delay: i64 = samples.iter().map(|s| s["delay_ns"].as_i64().unwrap()).sum();
        let want = std::fs::read_to_string(fixture(&format!("answers/{TRACE}/pprof-{kind}.txt"))).unwrap();
        assert_eq!((count, delay), totals(&want), "{kind}");

        let mut pb = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&out).unwrap()).read_to_end(&mut pb).unwrap();
        std::fs::remove_file(&out).unwrap();
        // The sample types come first, as in Go's encoder; every function name is in the string table.
        assert_eq!(pb[0], 0x0a, "{kind}: sample_type first");
        for s in samples {
            for f in s["stack"].as_array().unwrap() {
                let name = f["func"].as_str().unwrap().as_bytes();
                assert!(pb.windows(name.len()).any(|w| w == name), "{kind}: {name:?} missing");
            }
        }
    }
}

#[test]
fn diagnose_finds_the_workshop_problems_and_nothing_in_healthy() {
    let ids = |v: &Value| -> Vec<String> {
        v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
    };
    let w = json(&["diagnose", "--json"], TRACE);
    for id in ["unbounded-goroutines", "lock-contention", "gc-pressure"] {
        assert!(ids(&w).iter().any(|x| x == id), "{id}: {w}");
    }
    let lock = w["findings"].as_array().unwrap().iter().find(|f| f["id"] == "lock-contention").unwrap();
    assert_eq!(lock["location"]["func"], "main.searchFile");
    assert!(gotv(&["diagnose"], TRACE).contains("workshop/main.go:"));
    let h = json(&["diagnose", "--json"], "healthy-go1.26");
    assert!(ids(&h).is_empty(), "{h}");
    assert_eq!(gotv(&["diagnose"], "healthy-go1.26"), "no problems found\n");
}

#[test]
fn events_follow_one_goroutine() {
    let text = gotv(&["events", "--goroutine", "1"], TRACE);
    let first = text.lines().next().unwrap();
    assert!(first.contains("GoID=1 Undetermined->Running"), "{first}");
    let lines = gotv(&["events", "--json", "--goroutine", "1"], TRACE);
    for l in lines.lines() {
        let e: Value = serde_json::from_str(l).unwrap();
        let mentions = e["goroutine"] == 1 || e["text"].as_str().unwrap().contains("GoID=1 ");
        assert!(mentions, "{l}");
    }
}

#[test]
fn mmu_curve_and_worst_windows() {
    let m = json(&["mmu", "--json", "--window", "1000000"], TRACE);
    let curve = m["curve"].as_array().unwrap();
    assert_eq!(curve.len(), 100);
    let worst = m["worst"].as_array().unwrap();
    assert!(!worst.is_empty() && worst.len() <= 10);
    // The worst 1 ms window's utilisation is the MMU at (about) 1 ms.
    assert_eq!(worst[0]["util"].as_f64().unwrap(), 0.0);
    let bad = Command::new(env!("CARGO_BIN_EXE_gotv"))
        .args(["mmu", "--flags", "nope"])
        .arg(fixture(&format!("{TRACE}.trace")))
        .output()
        .unwrap();
    assert!(!bad.status.success());
}
