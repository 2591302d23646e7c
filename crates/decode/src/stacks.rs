//! Interned stacks and frames shared by all generations.

use crate::hash::IdMap;
use crate::model::Frame;

/// Index into [`Stacks`]. 0 is "no stack"; a stack with zero frames is a different, real stack.
pub type StackId = u32;
pub const NO_STACK: StackId = 0;

#[derive(Debug, Clone)]
pub struct Stacks {
    frames: Vec<Frame>,
    /// Interning indexes, dropped when decoding ends (see `drop_index`).
    frame_index: IdMap<Frame, u32>,
    /// Frame indices of all stacks, leaf first.
    stack_frames: Vec<u32>,
    /// End offset in `stack_frames` of each stack.
    ends: Vec<u32>,
    index: IdMap<u64, Vec<StackId>>,
    indexed: usize,
}

impl Default for Stacks {
    fn default() -> Self {
        Stacks {
            frames: Vec::new(),
            frame_index: IdMap::default(),
            stack_frames: Vec::new(),
            ends: vec![0],
            index: IdMap::default(),
            indexed: 1,
        }
    }
}

fn hash_ids(ids: &[u32]) -> u64 {
    use std::hash::Hasher;
    let mut h = crate::hash::IdHasher::default();
    for &i in ids {
        h.write_u32(i);
    }
    h.write_usize(ids.len());
    h.finish()
}

impl Stacks {
    pub(crate) fn intern(&mut self, frames: &[Frame]) -> StackId {
        if self.indexed != self.ends.len() {
            self.rebuild_index();
        }
        let ids: Vec<u32> = frames
            .iter()
            .map(|f| {
                let next = self.frames.len() as u32;
                *self.frame_index.entry(*f).or_insert_with(|| {
                    self.frames.push(*f);
                    next
                })
            })
            .collect();
        let h = hash_ids(&ids);
        if let Some(cands) = self.index.get(&h) {
            for &id in cands {
                if self.frame_ids(id) == ids.as_slice() {
                    return id;
                }
            }
        }
        let id = self.ends.len() as StackId;
        self.stack_frames.extend_from_slice(&ids);
        self.ends.push(self.stack_frames.len() as u32);
        self.index.entry(h).or_default().push(id);
        self.indexed += 1;
        id
    }

    fn rebuild_index(&mut self) {
        self.frame_index = self.frames.iter().enumerate().map(|(i, f)| (*f, i as u32)).collect();
        self.index = IdMap::default();
        for id in 1..self.ends.len() as StackId {
            let h = hash_ids(self.frame_ids(id));
            self.index.entry(h).or_default().push(id);
        }
        self.indexed = self.ends.len();
    }

    /// Frees the interning indexes once no more stacks are expected; interning again
    /// rebuilds them.
    pub(crate) fn drop_index(&mut self) {
        self.frame_index = IdMap::default();
        self.index = IdMap::default();
        self.indexed = 0;
        self.frames.shrink_to_fit();
        self.stack_frames.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    fn frame_ids(&self, id: StackId) -> &[u32] {
        let i = id as usize;
        if i == 0 || i >= self.ends.len() {
            return &[];
        }
        &self.stack_frames[self.ends[i - 1] as usize..self.ends[i] as usize]
    }

    /// The frames of a stack, leaf first. Empty for [`NO_STACK`].
    pub fn frames(&self, id: StackId) -> impl ExactSizeIterator<Item = &Frame> + '_ {
        self.frame_ids(id).iter().map(|&f| &self.frames[f as usize])
    }

    /// Number of distinct stacks (including the "no stack" slot).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.len() <= 1
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.frames.capacity() * std::mem::size_of::<Frame>()
            + self.frame_index.capacity() * 40
            + self.stack_frames.capacity() * 4
            + self.ends.capacity() * 4
            + self.index.capacity() * 40
    }
}
