//! Replays the kept libFuzzer corpus (`fuzz/corpus/<target>/`) without libFuzzer, so
//! stable CI checks it on every run: every input decodes whole without panicking, its
//! header is read, and decoding it in chunks of several sizes gives the same events,
//! stacks, strings and error; and decoded within a memory budget, it gives what the file cut
//! where decoding stopped gives.

use gotv_decode::{decode, read_header, Budget, Decoded, Decoder, ErrorKind, NO_STACK};
use std::fmt::Write;
use std::path::PathBuf;

/// Every event's `Display` and resolved stacks, then the error: what must not depend on
/// where the chunks were cut.
fn render(d: &Decoded) -> String {
    let t = &d.trace;
    let mut s = String::new();
    for ev in t.events() {
        writeln!(s, "{ev}").unwrap();
        for stack in [ev.stack(), ev.transition_stack()] {
            if stack != NO_STACK {
                for f in t.stacks.frames(stack) {
                    writeln!(s, "  {:#x} {} {}:{}", f.pc, t.strings.get(f.func), t.strings.get(f.file), f.line)
                        .unwrap();
                }
            }
        }
    }
    for &g in t.goroutine_ids() {
        assert!(t.goroutine_events(g).iter().all(|&i| (i as usize) < t.len()));
        assert!(t.goroutine_transitions(g).iter().all(|&i| (i as usize) < t.len()));
    }
    for &p in t.proc_ids() {
        assert!(t.proc_events(p).iter().all(|&i| (i as usize) < t.len()));
    }
    if let Some(e) = &d.error {
        writeln!(s, "error: {e}").unwrap();
    }
    s
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut out = Vec::new();
    for target in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
        let target = target.unwrap().path();
        if !target.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&target).unwrap() {
            let path = file.unwrap().path();
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_decodes_whole_and_chunked_alike() {
    let files = corpus();
    assert!(files.len() >= 50, "only {} corpus files: is fuzz/corpus missing?", files.len());
    for (name, data) in &files {
        let _ = read_header(data);
        let whole = render(&decode(data));
        for chunk in [1, 61, 4096] {
            // Single bytes only where that stays cheap in a debug build.
            if chunk == 1 && data.len() > 4096 {
                continue;
            }
            let mut d = Decoder::new();
            for c in data.chunks(chunk) {
                d.feed(c);
            }
            assert_eq!(render(&d.finish()), whole, "{name} in chunks of {chunk}");
        }
    }
}

#[test]
fn corpus_within_a_budget_is_what_the_file_cut_where_it_stopped_gives() {
    let mut stopped = 0;
    for (name, data) in &corpus() {
        let whole = render(&decode(data));
        for bytes in [0, data.len() as u64, data.len() as u64 * 4] {
            let budget = Budget { bytes, per_event: 10, per_goroutine: 100 };
            let mut d = Decoder::with_size_hint(data.len() as u64).with_budget(budget);
            for c in data.chunks(4096) {
                d.feed(c);
            }
            let got = d.finish();
            let Some(ErrorKind::TooBig { whole: in_one, .. }) = got.error.as_ref().map(|e| &e.kind) else {
                assert_eq!(render(&got), whole, "{name} within {bytes} bytes");
                continue;
            };
            stopped += 1;
            let at = got.error.as_ref().map_or(0, |e| e.offset) as usize;
            let events = render(&Decoded { trace: got.trace, error: None });
            if *in_one {
                assert_eq!((at, events.as_str()), (0, ""), "{name}: the old format is refused whole");
                continue;
            }
            let cut = decode(&data[..at]);
            assert!(cut.error.is_none(), "{name} cut at {at}: {:?}", cut.error);
            assert_eq!(events, render(&cut), "{name} within {bytes} bytes");
        }
    }
    assert!(stopped > 50, "only {stopped} budgets stopped decoding");
}
