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

fn answer(trace: &str, file: &str) -> String {
    let f = gotv_fixtures::all().into_iter().find(|f| f.name == trace).unwrap();
    f.answer(file)
}

/// `Name="…"` and `Time=…` of a Go `-d=parsed` line.
fn parsed_field<'a>(line: &'a str, key: &str) -> &'a str {
    let rest = &line[line.find(&format!(" {key}=")).unwrap() + key.len() + 2..];
    match rest.strip_prefix('"') {
        Some(q) => &q[..q.find('"').unwrap()],
        None => rest.split(' ').next().unwrap(),
    }
}

/// By default the counter series come merged to what a plot can show (on a 200 MB trace,
/// every change is gigabytes of JSON); `--resolution 0` keeps every change. Merging keeps
/// each count's peaks.
#[test]
fn gc_json_counters_are_plot_sized_unless_every_change_is_asked_for() {
    let trace = "stress-go1.27";
    let every = json(&["gc", "--json", "--resolution", "0"], trace);
    let plot = json(&["gc", "--json"], trace);
    let duration = plot["trace_end_ns"].as_i64().unwrap() - plot["trace_start_ns"].as_i64().unwrap();
    let resolution = (duration / 50_000).max(1);
    for series in ["goroutines", "procs"] {
        let (every, plot) =
            (every["counters"][series].as_array().unwrap(), plot["counters"][series].as_array().unwrap());
        assert!(plot.len() < every.len() && plot.len() <= 50_001, "{series}: {} of {} points", plot.len(), every.len());
        let times: Vec<i64> = plot.iter().map(|p| p["time"].as_i64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[1] - w[0] >= resolution), "{series}: points closer than {resolution} ns");
        let peak = |points: &[Value]| points.iter().map(|p| p["running"].as_u64().unwrap()).max();
        assert_eq!(peak(plot), peak(every), "{series}: the peak survives merging");
    }
}

#[test]
fn gc_cycles_and_pauses_are_gos_ranges() {
    let trace = "workshop-go1.27";
    let g = json(&["gc", "--json"], trace);
    // Go's ranges, from its parsed event stream: (name, begin, end).
    let parsed = answer(trace, "parsed.txt.zst");
    let mut open: Vec<(String, i64)> = Vec::new();
    let (mut marks, mut stws, mut heap) = (Vec::new(), Vec::new(), Vec::new());
    for l in parsed.lines().filter(|l| l.starts_with("M=")) {
        let kind = l.split(' ').nth(3).unwrap();
        let time: i64 = parsed_field(l, "Time").parse().unwrap();
        match kind {
            "RangeBegin" => open.push((parsed_field(l, "Name").to_owned(), time)),
            "RangeEnd" => {
                let name = parsed_field(l, "Name");
                let i = open.iter().position(|o| o.0 == name).unwrap();
                let (name, begin) = open.remove(i);
                if name == "GC concurrent mark phase" {
                    marks.push((begin, time - begin));
                } else if let Some(reason) = name.strip_prefix("stop-the-world (") {
                    stws.push((begin, time - begin, reason.trim_end_matches(')').to_owned()));
                }
            }
            "Metric" if parsed_field(l, "Name") == "/memory/classes/heap/objects:bytes" => {
                let v = l.rsplit("Uint64(").next().unwrap().trim_end_matches(")}");
                heap.push(v.parse::<u64>().unwrap());
            }
            _ => {}
        }
    }
    let cycles = g["cycles"].as_array().unwrap();
    let ours: Vec<(i64, i64)> =
        cycles.iter().map(|c| (c["start_ns"].as_i64().unwrap(), c["duration_ns"].as_i64().unwrap())).collect();
    assert_eq!(ours, marks);
    let pauses = g["pauses"].as_array().unwrap();
    let ours: Vec<(i64, i64, String)> = pauses
        .iter()
        .map(|p| {
            let reason = p["reason"].as_str().unwrap().to_owned();
            (p["start_ns"].as_i64().unwrap(), p["duration_ns"].as_i64().unwrap(), reason)
        })
        .collect();
    assert_eq!(ours, stws);
    // Every cycle of this trace ended, with both of its pauses inside the mark range and the
    // concurrent mark between them.
    for c in cycles {
        let (start, end) =
            (c["start_ns"].as_i64().unwrap(), c["start_ns"].as_i64().unwrap() + c["duration_ns"].as_i64().unwrap());
        let sweep = &c["sweep_termination"];
        let term = &c["mark_termination"];
        let mark = &c["concurrent_mark"];
        assert!(sweep["start_ns"].as_i64().unwrap() >= start && term["start_ns"].as_i64().unwrap() <= end, "{c}");
        let sweep_end = sweep["start_ns"].as_i64().unwrap() + sweep["duration_ns"].as_i64().unwrap();
        assert_eq!(mark["start_ns"].as_i64().unwrap(), sweep_end, "{c}");
        assert_eq!(sweep_end + mark["duration_ns"].as_i64().unwrap(), term["start_ns"].as_i64().unwrap(), "{c}");
    }
    let s = &g["summary"];
    assert_eq!(s["cycles"].as_u64().unwrap(), marks.len() as u64);
    assert_eq!(s["stw_ns"].as_i64().unwrap(), stws.iter().map(|p| p.1).sum::<i64>());
    assert_eq!(s["peak_heap_bytes"].as_u64().unwrap(), heap.iter().copied().max().unwrap());
    let alloc: Vec<u64> = g["heap_alloc"].as_array().unwrap().iter().map(|p| p["value"].as_u64().unwrap()).collect();
    heap.dedup();
    assert_eq!(alloc, heap);
    assert!(!g["counters"]["goroutines"].as_array().unwrap().is_empty());
    let text = gotv(&["gc"], trace);
    assert!(text.starts_with(&format!("{} GC cycles", marks.len())), "{text}");
    assert!(text.contains("GC mark termination"), "{text}");
}

#[test]
fn tasks_are_gos_tasks_with_their_goroutines() {
    let trace = "annotations-go1.27";
    let t = json(&["tasks", "--json"], trace);
    let want: Value = serde_json::from_str(&answer(trace, "usertasks.json")).unwrap();
    let (start, instances) = (t["trace_start_ns"].as_i64().unwrap(), t["instances"].as_array().unwrap());
    let mut listed = 0;
    for ty in want["types"].as_array().unwrap().iter().filter(|ty| ty["type"] != "") {
        let ours = t["tasks"].as_array().unwrap().iter().find(|o| o["name"] == ty["type"]).unwrap();
        assert_eq!(ours["count"], ty["count"], "{}", ty["type"]);
        for task in ty["tasks"].as_array().unwrap() {
            let o = instances.iter().find(|i| i["id"] == task["id"]).unwrap();
            assert_eq!(o["name"], ty["type"]);
            if task["complete"].as_bool().unwrap() {
                assert_eq!(o["start_ns"].as_i64().unwrap() - start, task["start_ns"].as_i64().unwrap(), "{o}");
                let d = o["end_ns"].as_i64().unwrap() - o["start_ns"].as_i64().unwrap();
                assert_eq!(d, task["duration_ns"].as_i64().unwrap(), "{o}");
            }
            listed += 1;
        }
    }
    assert_eq!(instances.len(), listed);
    // Each task's goroutines are those of its own events in Go's parsed stream: its begin and
    // end, its logs and its regions.
    let parsed = answer(trace, "parsed.txt.zst");
    let mut theirs: std::collections::BTreeMap<u64, Vec<i64>> = Default::default();
    for l in parsed.lines().filter(|l| l.starts_with("M=")) {
        let task = match l.split(' ').nth(3).unwrap() {
            "TaskBegin" | "TaskEnd" => parsed_field(l, "ID"),
            "RegionBegin" | "RegionEnd" | "Log" => parsed_field(l, "Task"),
            _ => continue,
        };
        let g: i64 = l.split(' ').nth(2).unwrap().trim_start_matches("G=").parse().unwrap();
        let gs = theirs.entry(task.parse().unwrap()).or_default();
        if !gs.contains(&g) {
            gs.push(g);
        }
    }
    theirs.remove(&0);
    let ours: std::collections::BTreeMap<u64, Vec<i64>> = instances
        .iter()
        .map(|i| {
            (
                i["id"].as_u64().unwrap(),
                i["goroutines"].as_array().unwrap().iter().map(|g| g.as_i64().unwrap()).collect(),
            )
        })
        .collect();
    assert_eq!(ours, theirs);
    let regions: Value = serde_json::from_str(&answer(trace, "userregions.json")).unwrap();
    assert_eq!(t["regions"].as_array().unwrap().len(), regions["groups"].as_array().unwrap().len());

    let text = gotv(&["tasks"], trace);
    assert!(text.contains("\"checkout\"") && text.contains("\"never-ended\""), "{text}");
    let checkout = gotv(&["tasks", "--type", "checkout"], trace);
    assert_eq!(checkout.lines().count(), 1 + 200, "{checkout}");
}

#[test]
fn cpu_stacks_are_gos_samples() {
    let trace = "cpuprofile-go1.27";
    let c = json(&["cpu", "--json"], trace);
    // Go's StackSample events with their stacks (func, file:line), counted.
    let mut table: Vec<Vec<String>> = Vec::new();
    for l in answer(trace, "stacks.txt.zst").lines() {
        if l.starts_with('@') {
            table.push(Vec::new());
        } else if let Some(func) = l.strip_prefix('\t').filter(|f| !f.starts_with('\t')) {
            table.last_mut().unwrap().push(func.rsplit_once(" @ ").unwrap().0.to_owned());
        } else if let Some(file_line) = l.strip_prefix("\t\t") {
            let f = table.last_mut().unwrap().last_mut().unwrap();
            *f = format!("{f} {file_line}");
        }
    }
    let parsed = answer(trace, "parsed.txt.zst");
    let mut theirs: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
    let mut lines = parsed.lines().peekable();
    while let Some(l) = lines.next() {
        if l.split(' ').nth(3) != Some("StackSample") {
            continue;
        }
        let stack = match lines.peek().and_then(|n| n.strip_prefix("Stack=@")) {
            Some(n) => table[n.parse::<usize>().unwrap() - 1].clone(),
            None => Vec::new(),
        };
        *theirs.entry(stack).or_default() += 1;
    }
    let mut ours: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
    for s in c["stacks"].as_array().unwrap() {
        let stack = s["stack"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}:{}", f["func"].as_str().unwrap(), f["file"].as_str().unwrap(), f["line"]))
            .collect();
        *ours.entry(stack).or_default() += s["samples"].as_u64().unwrap();
    }
    assert!(!theirs.is_empty());
    assert_eq!(ours, theirs);
    assert_eq!(c["samples"].as_u64().unwrap(), theirs.values().sum::<u64>());
    let text = gotv(&["cpu"], trace);
    assert!(text.starts_with(&format!("{} CPU samples", c["samples"])), "{text}");
    assert!(text.contains("main.hashLoop"), "{text}");
    assert_eq!(gotv(&["cpu"], TRACE), "no CPU samples (the program did not run the CPU profiler while tracing)\n");
}
