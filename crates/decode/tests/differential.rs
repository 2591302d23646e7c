//! Our events against Go 1.27.3's `go tool trace -d=parsed` for every real Go 1.21–1.27
//! fixture (tests/fixtures/README.md; 1.21 is the old format, which Go converts to the same
//! events). Go forces strictly increasing output times, so any difference in order also shows
//! as a difference in times: the streams must be identical.

/// Splits output into one text block per event.
fn blocks(text: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = text.match_indices("\nM=").map(|(i, _)| i + 1).collect();
    if text.starts_with("M=") {
        starts.insert(0, 0);
    }
    starts.push(text.len());
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

fn kind(block: &str) -> &str {
    block.split(' ').nth(3).unwrap_or("")
}

#[test]
fn real_traces_match_go_event_for_event() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for fixture in gotv_fixtures::all() {
        let stem = &fixture.name;
        let want = fixture.parsed();
        let d = gotv_decode::decode(&fixture.bytes());
        // Go's tool reads every fixture to its end (no answer has a parsed.err).
        if let Some(e) = &d.error {
            failures.push(format!("{stem}: Go reads it, we stopped: {e}"));
        }
        let mut got = String::new();
        for ev in d.trace.events() {
            got.push_str(&ev.to_string());
            got.push('\n');
        }
        checked += 1;
        let (w, g) = (blocks(&want), blocks(&got));
        let difference =
            if fixture.is_old_format() { tie_tolerant_difference(&w, &g) } else { first_difference(&w, &g) };
        if let Some(diff) = difference {
            let count = |v: &[&str], k: &str| v.iter().filter(|b| kind(b) == k).count();
            let kinds: Vec<String> =
                ["StateTransition", "Metric", "RangeBegin", "RangeEnd", "Label", "StackSample", "Sync"]
                    .iter()
                    .filter(|k| count(&w, k) != count(&g, k))
                    .map(|k| format!("{k}: go {} ours {}", count(&w, k), count(&g, k)))
                    .collect();
            failures.push(format!(
                "{stem}: {} events from Go, {} from us; {diff}\ncounts differ: {kinds:?}",
                w.len(),
                g.len()
            ));
        }
    }
    assert_eq!(checked, 52, "every workload × Go 1.21–1.27 fixture");
    assert!(failures.is_empty(), "{} of {checked} traces differ:\n{}", failures.len(), failures.join("\n\n"));
    eprintln!("{checked} real traces identical to Go's");
}

fn first_difference(want: &[&str], got: &[&str]) -> Option<String> {
    let i = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i))?;
    Some(format!(
        "first difference at event {i}:\n--- go\n{}--- ours\n{}",
        want.get(i).unwrap_or(&"(none)\n"),
        got.get(i).unwrap_or(&"(none)\n")
    ))
}

/// Go's old-format reader merges per-P batches in map order, so events with equal timestamps
/// on different Ps come out in a random order, and its conversion then nudges tied times apart
/// by 1 ns each. What is deterministic, and must match: the event sequence of every goroutine
/// and of every proc, with each time within the nudge of a tie.
fn tie_tolerant_difference(want: &[&str], got: &[&str]) -> Option<String> {
    const TIE_NS: i64 = 64;
    if want.len() != got.len() {
        return Some(format!("{} events from Go, {} from us", want.len(), got.len()));
    }
    for field in ["G=", "P="] {
        let (w, g) = (by_resource(want, field), by_resource(got, field));
        if w.keys().ne(g.keys()) {
            return Some(format!("different {field} resources"));
        }
        for (id, ws) in &w {
            let gs = &g[id];
            if let Some(i) = (0..ws.len().max(gs.len())).find(|&i| match (ws.get(i), gs.get(i)) {
                (Some((wt, wtext)), Some((gt, gtext))) => wtext != gtext || (wt - gt).abs() > TIE_NS,
                _ => true,
            }) {
                return Some(format!(
                    "{field}{id}: event {i} of its sequence differs:\n--- go\n{:?}\n--- ours\n{:?}",
                    ws.get(i),
                    gs.get(i)
                ));
            }
        }
    }
    None
}

/// Event texts (time taken out) and times, per value of `field` in the event line.
fn by_resource<'a>(events: &[&'a str], field: &str) -> std::collections::BTreeMap<&'a str, Vec<(i64, String)>> {
    let mut out: std::collections::BTreeMap<&str, Vec<(i64, String)>> = Default::default();
    for block in events {
        let line = block.lines().next().unwrap_or("");
        let id = line.split(' ').find_map(|f| f.strip_prefix(field)).unwrap_or("");
        let time_field = line.split(' ').find(|f| f.starts_with("Time=")).unwrap_or("");
        let time = time_field.trim_start_matches("Time=").parse().unwrap_or(i64::MIN);
        out.entry(id).or_default().push((time, block.replacen(time_field, "Time=", 1)));
    }
    out
}
