//! Raw v1 records: type byte, argument values, inline strings (trace-format.md §5.2).

use super::event::EventType;
use super::{malformed, truncated, Minor};
use crate::error::Error;

/// Go 1.21 reads every string up to this length; so does Go 1.27.
const MAX_STRING: u64 = 1_000_000;
/// Go 1.27's v1 reader rejects longer length-prefixed events (1.11+ only).
const MAX_EVENT_LEN: u64 = 2048;

pub(super) enum Record<'a> {
    String {
        id: u64,
        bytes: &'a [u8],
    },
    /// Values are in the reader's `values` buffer.
    Event {
        kind: EventType,
        log_value: &'a [u8],
    },
}

pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    minor: Minor,
    /// Values of the last event record; reused so that decoding does not allocate.
    pub values: Vec<u64>,
}

enum VarintError {
    End,
    Overflow,
}

/// Unsigned LEB128 from `data[*pos..end]`. Go 1.27 (`binary.Uvarint`) rejects a 10th byte
/// above 1; Go 1.21 kept its low bit, so `strict` follows the version's reader. Always
/// inlined, as is [`Reader::value`]: each pass reads every event's values through them, and
/// a call per value cost 13% of decoding in Chromium (7% natively).
#[inline(always)]
fn uvarint(data: &[u8], pos: &mut usize, end: usize, strict: bool) -> Result<u64, VarintError> {
    let mut v = 0u64;
    for i in 0..10 {
        if *pos >= end {
            return Err(VarintError::End);
        }
        let b = data[*pos];
        *pos += 1;
        if i == 9 && (b & 0x80 != 0 || (strict && b > 1)) {
            return Err(VarintError::Overflow);
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(VarintError::Overflow)
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], pos: usize, minor: Minor) -> Self {
        Reader { data, pos, minor, values: Vec::with_capacity(16) }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn minor(&self) -> Minor {
        self.minor
    }

    /// Moves to the record at `pos`, to read it again.
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }

    fn strict(&self) -> bool {
        self.minor >= 11
    }

    #[inline(always)]
    fn value(&mut self, what: &'static str) -> Result<u64, Error> {
        let start = self.pos;
        let strict = self.strict();
        uvarint(self.data, &mut self.pos, self.data.len(), strict).map_err(|e| match e {
            VarintError::End => truncated(what, start),
            VarintError::Overflow => malformed(format!("{what}: invalid varint"), start),
        })
    }

    fn bytes(&mut self, len: u64, what: &'static str) -> Result<&'a [u8], Error> {
        let remaining = self.data.len() - self.pos;
        if len > remaining as u64 {
            return Err(truncated(what, self.pos));
        }
        let s = &self.data[self.pos..self.pos + len as usize];
        self.pos += len as usize;
        Ok(s)
    }

    /// The next record, or `None` at the end of the file.
    #[inline]
    pub fn next(&mut self) -> Result<Option<Record<'a>>, Error> {
        let Some(&head) = self.data.get(self.pos) else { return Ok(None) };
        let start = self.pos;
        self.pos += 1;
        let typ = head & 0x3f;
        let argcode = head >> 6;
        let kind = EventType::from_wire(typ, self.minor)
            .ok_or_else(|| malformed(format!("unknown event type {typ} for go 1.{}", self.minor), start))?;
        if kind == EventType::String {
            let id = self.value("a string record's id")?;
            if id == 0 {
                return Err(malformed("string has invalid id 0", start));
            }
            let len_at = self.pos;
            let len = self.value("a string record's length")?;
            if len == 0 {
                return Err(malformed("string has invalid length 0", len_at));
            }
            if len > MAX_STRING {
                return Err(malformed(format!("string has too large length {len}"), len_at));
            }
            let bytes = self.bytes(len, "a string record")?;
            return Ok(Some(Record::String { id, bytes }));
        }
        if kind == EventType::Batch && self.minor >= 11 && argcode != 1 {
            return Err(malformed(format!("Batch has wrong number of arguments: got {}, want 2", argcode + 1), start));
        }
        self.values.clear();
        if argcode < 3 {
            // 1.5/1.6 start with a sequence delta that the count leaves out.
            let n = usize::from(argcode) + 1 + usize::from(self.minor < 7);
            for _ in 0..n {
                let v = self.value("an event's arguments")?;
                self.values.push(v);
            }
        } else {
            let len_at = self.pos;
            let len = self.value("an event's length")?;
            if self.minor >= 11 && len > MAX_EVENT_LEN {
                return Err(malformed(format!("{kind} is {len} bytes long, the limit is {MAX_EVENT_LEN}"), len_at));
            }
            let body = self.bytes(len, "a length-prefixed event")?;
            let strict = self.strict();
            let mut at = 0;
            while at < body.len() {
                let v = uvarint(body, &mut at, body.len(), strict)
                    .map_err(|_| malformed(format!("{kind} has wrong length: want {len}"), start))?;
                self.values.push(v);
            }
        }
        // Go 1.27 reads the value only after a length-prefixed body; with fewer values
        // the arity check fails anyway.
        let log_value = if kind == EventType::UserLog && (argcode == 3 || self.minor < 11) {
            let len_at = self.pos;
            let len = self.value("a log message's length")?;
            if len > MAX_STRING {
                return Err(malformed(format!("log message is too large (len={len})"), len_at));
            }
            self.bytes(len, "a log message")?
        } else {
            &[]
        };
        Ok(Some(Record::Event { kind, log_value }))
    }
}
