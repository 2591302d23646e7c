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

/// A minimal `profile.proto` reader: (stack of (func, file, line, address), count, delay).
type Sample = (Vec<(String, String, u64, u64)>, u64, i64);

fn varint(b: &[u8], i: &mut usize) -> u64 {
    let mut v = 0;
    for shift in (0..64).step_by(7) {
        let x = b[*i];
        *i += 1;
        v |= u64::from(x & 0x7f) << shift;
        if x < 0x80 {
            break;
        }
    }
    v
}

/// Fields of a message: (number, varint value or bytes).
fn fields(b: &[u8]) -> Vec<(u64, u64, &[u8])> {
    let (mut i, mut out) = (0, Vec::new());
    while i < b.len() {
        let key = varint(b, &mut i);
        match key & 7 {
            0 => out.push((key >> 3, varint(b, &mut i), &b[..0])),
            2 => {
                let n = varint(b, &mut i) as usize;
                out.push((key >> 3, 0, &b[i..i + n]));
                i += n;
            }
            w => panic!("wire type {w}"),
        }
    }
    out
}

fn packed(b: &[u8]) -> Vec<u64> {
    let (mut i, mut out) = (0, Vec::new());
    while i < b.len() {
        out.push(varint(b, &mut i));
    }
    out
}

fn read_profile(pb: &[u8]) -> Vec<Sample> {
    let top = fields(pb);
    let strings: Vec<String> =
        top.iter().filter(|f| f.0 == 6).map(|f| String::from_utf8(f.2.to_vec()).unwrap()).collect();
    let get = |m: &[(u64, u64, &[u8])], n: u64| m.iter().find(|f| f.0 == n).map_or(0, |f| f.1);
    let mut funcs = std::collections::HashMap::new();
    for f in top.iter().filter(|f| f.0 == 5) {
        let m = fields(f.2);
        funcs.insert(get(&m, 1), (strings[get(&m, 2) as usize].clone(), strings[get(&m, 4) as usize].clone()));
    }
    let mut locs = std::collections::HashMap::new();
    for f in top.iter().filter(|f| f.0 == 4) {
        let m = fields(f.2);
        let line = fields(m.iter().find(|f| f.0 == 4).unwrap().2);
        let (func, file) = funcs[&get(&line, 1)].clone();
        locs.insert(get(&m, 1), (func, file, get(&line, 2), get(&m, 3)));
    }
    top.iter()
        .filter(|f| f.0 == 2)
        .map(|f| {
            let m = fields(f.2);
            let ids = m.iter().find(|f| f.0 == 1).map_or(vec![], |f| packed(f.2));
            let v = packed(m.iter().find(|f| f.0 == 2).unwrap().2);
            (ids.iter().map(|i| locs[i].clone()).collect(), v[0], v[1] as i64)
        })
        .collect()
}

/// The samples of a canonical `pprof -raw` answer.
fn answer_samples(text: &str) -> Vec<Sample> {
    let mut lines = text.lines().skip_while(|l| *l != "contentions/count delay/nanoseconds").skip(1);
    let raw: Vec<(Vec<u64>, u64, i64)> = lines
        .by_ref()
        .take_while(|l| *l != "Locations")
        .map(|l| {
            let (v, ids) = l.split_once(':').unwrap();
            let v: Vec<i64> = v.split_whitespace().map(|x| x.parse().unwrap()).collect();
            (ids.split_whitespace().map(|x| x.parse().unwrap()).collect(), v[0] as u64, v[1])
        })
        .collect();
    let mut locs = std::collections::HashMap::new();
    for l in lines.take_while(|l| *l != "Mappings") {
        // "    N: 0xADDR M=1 func file:line:col s=0"
        let (id, text) = l.trim_start().split_once(": ").unwrap();
        let (addr, rest) = text.split_once(' ').unwrap();
        let rest = rest.split_once(' ').unwrap().1.rsplit_once(' ').unwrap().0;
        let (func, fl) = rest.rsplit_once(' ').unwrap();
        let mut fl = fl.rsplitn(3, ':').skip(1);
        let line = fl.next().unwrap().parse().unwrap();
        let file = fl.next().unwrap().to_owned();
        let addr = u64::from_str_radix(addr.trim_start_matches("0x"), 16).unwrap();
        locs.insert(id.parse::<u64>().unwrap(), (func.to_owned(), file, line, addr));
    }
    raw.into_iter().map(|(ids, c, d)| (ids.iter().map(|i| locs[i].clone()).collect(), c, d)).collect()
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
        let theirs = answer_samples(&want);
        assert_eq!((count, delay), theirs.iter().fold((0, 0), |a, s| (a.0 + s.1, a.1 + s.2)), "{kind}");

        let mut pb = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&out).unwrap()).read_to_end(&mut pb).unwrap();
        std::fs::remove_file(&out).unwrap();
        let mut ours = read_profile(&pb);
        let mut theirs = answer_samples(&want);
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{kind}");
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
