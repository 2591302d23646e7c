//! A memory budget stops decoding before the generation that would go over it: the trace is
//! then exactly the one a file ending there gives, and the error says where it stopped.

use gotv_decode::{decode, Budget, Decoded, Decoder, ErrorKind};

fn render(d: &Decoded) -> String {
    d.trace.events().map(|e| format!("{e}\n")).collect()
}

/// Decodes `data` in chunks of `chunk` bytes within `budget`, the file's size told or not.
fn decode_within(data: &[u8], chunk: usize, budget: Budget) -> Decoded {
    let told = chunk % 2 == 0;
    let mut d = if told { Decoder::with_size_hint(data.len() as u64) } else { Decoder::new() }.with_budget(budget);
    for c in data.chunks(chunk) {
        d.feed(c);
    }
    d.finish()
}

/// Costs that put these small traces in the hundreds of MB, as big traces are: the error
/// says its sizes in MB.
fn per_event(bytes: u64) -> Budget {
    Budget { bytes, per_event: 10_000, per_goroutine: 100_000 }
}

#[test]
fn a_budget_keeps_the_generations_that_fit() {
    for name in ["healthy-go1.27.trace", "flightrecorder-go1.27.trace", "workshop-go1.27.trace"] {
        let data = std::fs::read(gotv_fixtures::dir().join(name)).unwrap();
        let whole = decode(&data);
        assert!(whole.error.is_none(), "{name}: {:?}", whole.error);
        let (mut stopped_empty, mut stopped_between, mut completed) = (0, 0, 0);
        let mut last_events = 0;
        // From a budget too small for anything to one that fits all.
        for step in 0..28u64 {
            let budget = per_event(step * step * 2_000_000);
            let d = decode_within(&data, 1 + (step as usize * 7919) % 50_000, budget);
            let events = d.trace.len();
            assert!(events >= last_events, "{name}: a bigger budget decoded fewer events");
            last_events = events;
            let Some(e) = &d.error else {
                assert_eq!(render(&d), render(&whole), "{name}: within {budget:?}, not the whole trace");
                completed += 1;
                continue;
            };
            let ErrorKind::TooBig { budget_mb, need_mb, whole: false } = e.kind else {
                panic!("{name}: within {budget:?}: {e}");
            };
            assert_eq!(u64::from(budget_mb), budget.bytes / 1_000_000);
            assert!(need_mb >= budget_mb, "{name}: {e}");
            // The file up to where decoding stopped is a whole trace, and the same one.
            let cut = decode(&data[..e.offset as usize]);
            assert!(cut.error.is_none(), "{name}: the cut at {} is not at a generation's end", e.offset);
            assert_eq!(render(&d), render(&cut), "{name}: within {budget:?}");
            let text = e.to_string();
            assert!(text.contains(&format!("at byte offset {}", e.offset)), "{text}");
            let generation = e.generation.expect("the generation not decoded");
            assert!(text.contains(&format!("generation {generation}")), "{text}");
            assert!(d.trace.generations.iter().all(|g| g.number < generation), "{name}: {text}");
            if events > 1 {
                stopped_between += 1;
            } else {
                stopped_empty += 1;
            }
        }
        assert!(stopped_empty > 0 && completed > 0, "{name}: the budgets tried do not span the trace");
        if whole.trace.generations.len() > 1 {
            assert!(stopped_between > 0, "{name}: no budget stopped between generations");
        }
    }
}

#[test]
fn an_old_format_trace_is_checked_whole_up_front() {
    let data = std::fs::read(gotv_fixtures::dir().join("workshop-go1.21.trace")).unwrap();
    let whole = decode(&data);
    let need = data.len() as u64 / 5 * 10_000;
    let fits = decode_within(&data, 65_536, per_event(need));
    assert!(fits.error.is_none(), "{:?}", fits.error);
    assert_eq!(render(&fits), render(&whole));
    let refused = decode_within(&data, 65_536, per_event(need - 1));
    assert_eq!(refused.trace.len(), 0);
    let e = refused.error.expect("too big");
    assert!(matches!(e.kind, ErrorKind::TooBig { whole: true, .. }), "{e}");
    assert_eq!(e.offset, 0);
    assert!(e.to_string().contains("Go 1.21 and older"), "{e}");
}
