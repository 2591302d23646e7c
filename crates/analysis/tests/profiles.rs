//! The four blocking profiles against Go 1.27.3's `go tool trace -pprof=…`, read back by
//! `go tool pprof -raw` into `answers/<fixture>/pprof-<kind>.txt`, for every fixture.

mod common;

use std::collections::HashMap;

use gotv_analysis::{goroutines, profile, profiles, ProfileKind};

/// (stack of (func, file, line, pc), count, delay ns)
type Sample = (Vec<(String, String, u64, u64)>, u64, i64);

/// Parses the canonical `pprof -raw` text (tests/fixtures/README.md).
fn parse(text: &str) -> Vec<Sample> {
    let mut lines = text.lines().skip_while(|l| *l != "contentions/count delay/nanoseconds").skip(1);
    let mut raw = Vec::new();
    for l in lines.by_ref() {
        if l == "Locations" {
            break;
        }
        let (vals, ids) = l.split_once(':').unwrap();
        let v: Vec<i64> = vals.split_whitespace().map(|x| x.parse().unwrap()).collect();
        let ids: Vec<u64> = ids.split_whitespace().map(|x| x.parse().unwrap()).collect();
        raw.push((ids, v[0] as u64, v[1]));
    }
    let mut locs = HashMap::new();
    for l in lines.take_while(|l| *l != "Mappings") {
        let (id, text) = l.trim_start().split_once(": ").unwrap();
        let mut parts = text.splitn(3, ' ');
        let pc = u64::from_str_radix(parts.next().unwrap().trim_start_matches("0x"), 16).unwrap();
        let rest = parts.nth(1).unwrap();
        let rest = rest.rsplit_once(' ').unwrap().0;
        let (func, fileline) = rest.rsplit_once(' ').unwrap();
        let mut fl = fileline.rsplitn(3, ':');
        fl.next();
        let line: u64 = fl.next().unwrap().parse().unwrap();
        let file = fl.next().unwrap();
        locs.insert(id.parse::<u64>().unwrap(), (func.to_string(), file.to_string(), line, pc));
    }
    raw.into_iter().map(|(ids, c, d)| (ids.iter().map(|i| locs[i].clone()).collect(), c, d)).collect()
}

/// Go's old-format reader orders equal-time events of different Ps in map order (at random),
/// then nudges tied times apart by 1 ns: on Go 1.21 traces each interval may move by that much.
const V1_TIE_NS: i64 = 64;

fn check(name: &str, tolerance_ns: i64) -> Vec<String> {
    let trace = common::load(name);
    let gs = goroutines(&trace);
    let mut errs = Vec::new();
    let all = profiles(&trace, &gs, &ProfileKind::ALL);
    for (kind, p) in ProfileKind::ALL.into_iter().zip(all) {
        let mut want = parse(&common::answer(name, &format!("pprof-{}.txt", kind.name())));
        let one = profile(&trace, &gs, kind);
        assert_eq!(one.samples, p.samples, "{name} {}: one pass for all four differs", kind.name());
        let mut ours: Vec<Sample> = p
            .samples
            .iter()
            .map(|s| {
                let st = s.stack.iter().map(|f| (f.func.clone(), f.file.clone(), f.line, f.pc)).collect();
                (st, s.count, s.delay_ns)
            })
            .collect();
        want.sort();
        ours.sort();
        let same = |o: &Sample, w: &Sample| o.0 == w.0 && o.1 == w.1 && (o.2 - w.2).abs() <= tolerance_ns * o.1 as i64;
        if ours.len() != want.len() || ours.iter().zip(&want).any(|(o, w)| !same(o, w)) {
            let (wc, wd) = want.iter().fold((0, 0), |a, s| (a.0 + s.1, a.1 + s.2));
            errs.push(format!(
                "{name} {}: {} samples, {} / {} ns; want {} samples, {wc} / {wd} ns",
                kind.name(),
                ours.len(),
                p.total_count(),
                p.total_delay_ns(),
                want.len()
            ));
            for s in ours.iter().filter(|s| !want.iter().any(|w| same(s, w))) {
                errs.push(format!("  ours only: {} {} {:?}", s.1, s.2, &s.0[..s.0.len().min(3)]));
            }
            for s in want.iter().filter(|w| !ours.iter().any(|o| same(o, w))) {
                errs.push(format!("  want only: {} {} {:?}", s.1, s.2, &s.0[..s.0.len().min(3)]));
            }
        }
    }
    errs
}

fn check_all(names: &[String], tolerance_ns: i64) {
    let failures: Vec<String> = names.iter().flat_map(|n| check(n, tolerance_ns)).collect();
    assert!(failures.is_empty(), "{} profiles differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn profiles_match_go_on_every_current_format_fixture() {
    check_all(&common::fixtures_v2(), 0);
}

#[test]
fn profiles_match_go_on_every_v1_fixture_up_to_tie_order() {
    check_all(&common::fixtures_v1(), V1_TIE_NS);
}
