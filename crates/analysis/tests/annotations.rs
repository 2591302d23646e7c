//! Tasks, logs and CPU samples counted against Go 1.27.3's `-d=parsed` event stream, and
//! the regions of the annotations workload (tests/fixtures/README.md).

mod common;

use std::collections::BTreeMap;

use gotv_analysis::{annotations, cpu_samples, goroutines};

/// `key="value"` of a `-d=parsed` line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line.find(&format!(" {key}=\"")).unwrap() + key.len() + 3;
    let rest = &line[start..];
    &rest[..rest.find('"').unwrap()]
}

#[test]
fn task_and_log_counts_match_go() {
    for name in common::fixtures_v2() {
        let trace = common::load(&name);
        let a = annotations(&trace, &goroutines(&trace));
        let lines = common::parsed_lines(&name);
        let mut tasks: BTreeMap<String, u64> = BTreeMap::new();
        let mut logs: BTreeMap<String, u64> = BTreeMap::new();
        let mut samples = 0;
        for l in &lines {
            match l.split(' ').nth(3) {
                Some("TaskBegin") => *tasks.entry(field(l, "Type").to_owned()).or_default() += 1,
                Some("Log") => *logs.entry(field(l, "Category").to_owned()).or_default() += 1,
                Some("StackSample") => samples += 1,
                _ => {}
            }
        }
        let ours: BTreeMap<String, u64> = a.tasks.iter().map(|t| (t.name.clone(), t.durations.count)).collect();
        assert_eq!(ours, tasks, "{name}");
        let ours: BTreeMap<String, u64> = a.logs.iter().map(|l| (l.category.clone(), l.count)).collect();
        assert_eq!(ours, logs, "{name}");
        assert_eq!(cpu_samples(&trace).iter().map(|s| s.samples).sum::<u64>(), samples, "{name}");
    }
}

#[test]
fn annotations_workload_regions() {
    for name in common::fixtures_v2().iter().filter(|n| n.starts_with("annotations")) {
        let trace = common::load(name);
        let a = annotations(&trace, &goroutines(&trace));
        let get = |t: &str| a.regions.iter().find(|r| r.name == t).unwrap_or_else(|| panic!("{name}: no {t}"));
        let never = get("never-ended");
        assert_eq!((never.durations.count, never.durations.complete), (1, 0), "{name}");
        let order = a.tasks.iter().find(|t| t.name == "order").unwrap();
        assert_eq!((order.durations.count, order.durations.complete), (200, 200), "{name}");
        let d = &order.durations;
        assert!(d.min_ns <= d.p50_ns && d.p50_ns <= d.p90_ns && d.p90_ns <= d.max_ns, "{name}: {d:?}");
        assert_eq!(d.histogram.iter().map(|b| b.1).sum::<u64>(), 200, "{name}");
        // Every region begun in the trace, grouped by type and outermost frame.
        let mut begun: BTreeMap<String, u64> = BTreeMap::new();
        for l in common::parsed_lines(name).iter().filter(|l| l.split(' ').nth(3) == Some("RegionBegin")) {
            *begun.entry(field(l, "Type").to_owned()).or_default() += 1;
        }
        let mut ours: BTreeMap<String, u64> = BTreeMap::new();
        for r in a.regions.iter().filter(|r| !r.name.is_empty()) {
            assert!(r.frame.is_some(), "{name}: {} has no frame", r.name);
            *ours.entry(r.name.clone()).or_default() += r.durations.count;
        }
        assert_eq!(ours, begun, "{name}");
        let unfinished = a.tasks.iter().find(|t| t.name == "unfinished").unwrap();
        assert_eq!((unfinished.durations.count, unfinished.durations.complete), (1, 0), "{name}");
    }
}
