//! The string and stack tables: global for the whole v1 file (trace-format.md §5.2).

use super::{malformed, Minor};
use crate::error::Error;
use crate::hash::IdMap;

/// Go's runtime writes at most 128 frames; Go's parsers reject more than this.
const MAX_FRAMES: u64 = 1000;

/// A stack frame. `func` and `file` are string IDs (0 = empty); 1.5/1.6 traces carry only
/// PCs, which need the traced binary to symbolize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub pc: u64,
    pub func: u64,
    pub file: u64,
    pub line: u64,
}

#[derive(Default)]
pub struct StringTable<'a> {
    map: IdMap<u64, &'a [u8]>,
}

impl<'a> StringTable<'a> {
    pub(super) fn insert(&mut self, id: u64, bytes: &'a [u8], offset: usize) -> Result<(), Error> {
        if self.map.insert(id, bytes).is_some() {
            return Err(malformed(format!("string has duplicate id {id}"), offset));
        }
        Ok(())
    }

    /// The string's bytes; unknown IDs (and 0) read as empty, as in Go.
    pub fn get(&self, id: u64) -> &'a [u8] {
        self.map.get(&id).copied().unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Stacks as ranges of frame indices. From 1.11 frames are keyed by PC with the first
/// description winning, as Go 1.27's parser does; before, each stack keeps its own frames,
/// as Go 1.21's did.
#[derive(Default)]
pub struct StackTable {
    frames: Vec<Frame>,
    frame_of_pc: IdMap<u64, u32>,
    refs: Vec<u32>,
    ranges: IdMap<u64, (u32, u32)>,
    max_id: u32,
    /// The largest ID of a stack from the file: synthetic ones come after it.
    file_max: u32,
}

impl StackTable {
    /// Adds a `Stack` record from its wire values (`id, n, frames…`).
    pub(super) fn add(&mut self, values: &[u64], minor: Minor, offset: usize) -> Result<(), Error> {
        let [id, n, rest @ ..] = values else {
            return Err(malformed(
                format!("Stack has wrong number of arguments: want at least 2, got {}", values.len()),
                offset,
            ));
        };
        if *n > MAX_FRAMES {
            return Err(malformed(format!("Stack has bad number of frames: {n}"), offset));
        }
        let per_frame = if minor < 7 { 1 } else { 4 };
        if rest.len() as u64 != n * per_frame {
            return Err(malformed(
                format!("Stack has wrong number of arguments: want {}, got {}", 2 + n * per_frame, values.len()),
                offset,
            ));
        }
        // Stack IDs are 32-bit in every runtime; Go 1.27 truncates them the same way.
        let id = *id as u32;
        if id == 0 || *n == 0 {
            return Ok(());
        }
        let start = self.refs.len() as u32;
        for f in rest.chunks_exact(per_frame as usize) {
            let frame = match *f {
                [pc, func, file, line] => Frame { pc, func, file, line },
                _ => Frame { pc: f[0], func: 0, file: 0, line: 0 },
            };
            let index = if minor >= 11 {
                *self.frame_of_pc.entry(frame.pc).or_insert_with(|| {
                    self.frames.push(frame);
                    (self.frames.len() - 1) as u32
                })
            } else {
                self.frames.push(frame);
                (self.frames.len() - 1) as u32
            };
            self.refs.push(index);
        }
        self.ranges.insert(u64::from(id), (start, *n as u32));
        self.max_id = self.max_id.max(id);
        self.file_max = self.max_id;
        Ok(())
    }

    /// A new single-frame stack (1.5/1.6 goroutine start PCs), or 0 if IDs ran out.
    pub(super) fn add_synthetic(&mut self, pc: u64) -> u32 {
        let Some(id) = self.max_id.checked_add(1) else { return 0 };
        self.max_id = id;
        self.frames.push(Frame { pc, func: 0, file: 0, line: 0 });
        self.ranges.insert(u64::from(id), (self.refs.len() as u32, 1));
        self.refs.push((self.frames.len() - 1) as u32);
        id
    }

    pub fn contains(&self, id: u32) -> bool {
        self.ranges.contains_key(&u64::from(id))
    }

    /// Whether an event's own stack ID names a stack of the file (0 does not).
    pub(super) fn in_file(&self, id: u32) -> bool {
        id != 0 && id <= self.file_max && self.contains(id)
    }

    /// The frames of stack `id`, innermost first; empty for 0 and unknown IDs.
    pub fn frames(&self, id: u32) -> impl ExactSizeIterator<Item = &Frame> + '_ {
        let (start, len) = self.ranges.get(&u64::from(id)).copied().unwrap_or((0, 0));
        self.refs[start as usize..(start + len) as usize].iter().map(|&i| &self.frames[i as usize])
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}
