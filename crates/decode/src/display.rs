//! Go's `Event.String()` form (Go 1.27), used by `gotv events` and to compare with Go's
//! own output event by event.

use std::fmt::{self, Write};

use crate::model::{EventKind, Transition};
use crate::stacks::{StackId, NO_STACK};
use crate::trace::EventRef;

/// Go's `strconv.Quote` of a byte string.
pub fn quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                c if c == ' ' || !(c.is_control() || c.is_whitespace() || is_format(c)) => out.push(c),
                c if (c as u32) < 0x80 => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if (c as u32) < 0x10000 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

/// Unicode format characters (category Cf) that Go does not print as is.
fn is_format(c: char) -> bool {
    matches!(c as u32, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb)
}

/// Unix time as Go's `time.RFC3339Nano` in UTC.
pub(crate) fn rfc3339_nano(sec: i64, nsec: i64) -> String {
    let sec = sec.saturating_add(nsec.div_euclid(1_000_000_000));
    let nsec = nsec.rem_euclid(1_000_000_000);
    let days = sec.div_euclid(86400);
    let secs = sec.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let mut s = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if nsec != 0 {
        let frac = format!("{nsec:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

impl EventRef<'_> {
    fn write_stack(&self, f: &mut fmt::Formatter<'_>, title: &str, stack: StackId) -> fmt::Result {
        let t = self.trace();
        write!(f, "\n{title}=\n")?;
        for fr in t.stacks.frames(stack) {
            let func = t.strings.get(fr.func);
            let file = t.strings.get(fr.file);
            write!(f, "\t{func} @ {:#x}\n\t\t{file}:{}\n", fr.pc, fr.line)?;
        }
        Ok(())
    }
}

impl fmt::Display for EventRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.trace();
        let q = |id| quote(t.strings.bytes(id));
        write!(f, "M={} P={} G={} {} Time={}", self.thread(), self.proc(), self.goroutine(), self.kind(), self.time())?;
        match self.kind() {
            EventKind::Metric => {
                if let Some((m, v)) = self.metric() {
                    write!(f, " Name={} Value=Value{{Uint64({v})}}", quote(m.name().as_bytes()))?;
                }
            }
            EventKind::Label => {
                if let Some((l, r)) = self.label() {
                    write!(f, " Label={} Resource={r}", q(l))?;
                }
            }
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => {
                if let Some(r) = self.range() {
                    write!(f, " Name={} Scope={}", q(r.name), r.scope)?;
                }
                if self.kind() == EventKind::RangeEnd {
                    f.write_str(" Attributes=[")?;
                    if let Some((swept, reclaimed)) = self.range_attributes() {
                        write!(
                            f,
                            "\"bytes swept\"=Value{{Uint64({swept})}} \"bytes reclaimed\"=Value{{Uint64({reclaimed})}}"
                        )?;
                    }
                    f.write_str("]")?;
                }
            }
            EventKind::TaskBegin | EventKind::TaskEnd => {
                if let Some(task) = self.task() {
                    write!(f, " ID={} Parent={} Type={}", task.id, task.parent, q(task.type_))?;
                }
            }
            EventKind::RegionBegin | EventKind::RegionEnd => {
                if let Some(r) = self.region() {
                    write!(f, " Task={} Type={}", r.task, q(r.type_))?;
                }
            }
            EventKind::Log => {
                if let Some(l) = self.log() {
                    write!(f, " Task={} Category={} Message={}", l.task, q(l.category), q(l.message))?;
                }
            }
            EventKind::StateTransition => {
                match self.transition() {
                    Some(Transition::Goroutine { id, from, to }) => write!(f, " GoID={id} {from}->{to}")?,
                    Some(Transition::Proc { id, from, to }) => write!(f, " ProcID={id} {from}->{to}")?,
                    None => {}
                }
                write!(f, " Reason={}", q(self.reason()))?;
                let ts = self.transition_stack();
                if ts != NO_STACK {
                    self.write_stack(f, "TransitionStack", ts)?;
                }
            }
            EventKind::Experimental => {
                if let Some(e) = self.experimental() {
                    write!(f, " Name={} Args=[", e.name)?;
                    for (i, (name, v)) in e.arg_names.iter().zip(e.args).enumerate() {
                        if i != 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{name}=Value{{Uint64({v})}}")?;
                    }
                    f.write_str("]")?;
                }
            }
            EventKind::Sync => {
                if let Some(s) = self.sync() {
                    write!(f, " N={}", s.n)?;
                    if let Some(c) = s.clock {
                        write!(f, " Trace={} Mono={} Wall={}", c.trace, c.mono, rfc3339_nano(c.wall_sec, c.wall_nsec))?;
                    }
                }
            }
            EventKind::StackSample => {}
        }
        if self.stack() != NO_STACK {
            self.write_stack(f, "Stack", self.stack())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote(b"a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(quote(b"\x00\xff"), r#""\x00\xff""#);
        assert_eq!(quote("héllo".as_bytes()), "\"héllo\"");
    }

    #[test]
    fn wall_clock_formats_as_rfc3339_nano() {
        assert_eq!(rfc3339_nano(1740755049, 123), "2025-02-28T15:04:09.000000123Z");
        assert_eq!(rfc3339_nano(0, 500_000_000), "1970-01-01T00:00:00.5Z");
        assert_eq!(rfc3339_nano(1795974498, 0), "2026-11-29T17:48:18Z");
    }
}
