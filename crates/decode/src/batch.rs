//! Batch framing (trace-format.md §3.2): finds batches and end-of-generation markers
//! without looking inside them.

use crate::error::{Error, ErrorKind};
use crate::reader::{Reader, VarintError};
use crate::wire::{EV_END_OF_GENERATION, EV_EVENT_BATCH, EV_EXPERIMENTAL_BATCH};

/// Go's `MaxBatchSize`.
const MAX_BATCH_SIZE: u64 = 64 << 10;

#[derive(Debug, Clone)]
pub(crate) struct Batch {
    pub gen: u64,
    pub m: u64,
    pub time: u64,
    pub exp: Option<u8>,
    /// Payload position in the buffer the batch was framed from.
    pub start: usize,
    pub end: usize,
    /// File offset of the batch's first byte (its type byte).
    pub offset: u64,
}

#[derive(Debug)]
pub(crate) enum Item {
    Batch(Batch),
    /// The 1.26+ end-of-generation byte.
    EndOfGeneration,
}

#[derive(Debug)]
pub(crate) enum Framed {
    /// An item and the buffer position after it.
    Item(Item, usize),
    /// No more bytes, at a batch boundary.
    End,
    /// The buffer ends inside an item, but more bytes may come.
    NeedMore,
    Error(Error),
}

/// Frames the item at `pos` of `data` (whose first byte is at file offset `base`).
/// `eof` says whether `data` holds the rest of the file.
pub(crate) fn frame(data: &[u8], pos: usize, base: u64, markers: bool, eof: bool) -> Framed {
    let mut r = Reader::new(data, base);
    if r.bytes(pos).is_none() {
        return Framed::End;
    }
    let offset = r.offset();
    let Some(typ) = r.byte() else {
        return if eof { Framed::End } else { Framed::NeedMore };
    };
    if typ == EV_END_OF_GENERATION && markers {
        return Framed::Item(Item::EndOfGeneration, pos + 1);
    }
    if typ != EV_EVENT_BATCH && typ != EV_EXPERIMENTAL_BATCH {
        return Framed::Error(Error::new(
            ErrorKind::Malformed { what: format!("expected batch event, got event {typ}") },
            offset,
        ));
    }
    let truncated = |r: &Reader| {
        if eof {
            Framed::Error(Error::new(ErrorKind::Truncated { what: "a batch header" }, r.offset()))
        } else {
            Framed::NeedMore
        }
    };
    let exp = if typ == EV_EXPERIMENTAL_BATCH {
        match r.byte() {
            Some(e) => Some(e),
            None => return truncated(&r),
        }
    } else {
        None
    };
    let mut fields = [0u64; 4];
    for (i, f) in fields.iter_mut().enumerate() {
        match r.uvarint() {
            Ok(v) => *f = v,
            Err(VarintError::Truncated) => return truncated(&r),
            Err(VarintError::Overflow) => {
                let name = ["gen", "M ID", "timestamp", "size"][i];
                return Framed::Error(Error::new(
                    ErrorKind::Malformed {
                        what: format!("error reading batch {name}: varint overflows a 64-bit integer"),
                    },
                    r.offset(),
                ));
            }
        }
    }
    let [gen, m, time, size] = fields;
    if size > MAX_BATCH_SIZE {
        return Framed::Error(Error::new(
            ErrorKind::Malformed { what: format!("invalid batch size {size}, maximum is {MAX_BATCH_SIZE}") },
            r.offset(),
        ));
    }
    let start = r.pos();
    // `size` ≤ 64 KiB, so this cannot overflow.
    let end = start + size as usize;
    if end > data.len() {
        return if eof {
            // Go says "failed to read full batch"; what a person needs to hear is that the
            // file was cut (a copy still being written, or a size limit).
            Framed::Error(Error::new(ErrorKind::Truncated { what: "a batch" }, r.offset()))
        } else {
            Framed::NeedMore
        };
    }
    Framed::Item(Item::Batch(Batch { gen, m, time, exp, start, end, offset }), end)
}
