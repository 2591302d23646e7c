//! The timeline's rows from top to bottom, as go tool trace orders them: counters, GC, STW,
//! one lane per P (or per thread), then goroutine groups that expand into a lane per goroutine.
//! An expanded group is one block of equal lanes, so millions of goroutines cost nothing until
//! they are on screen.

use super::model::Model;
use crate::protocol::Frame;

pub const COUNTER_H: f64 = 44.0;
pub const RANGE_H: f64 = 18.0;
pub const LANE_H: f64 = 20.0;
pub const GROUP_H: f64 = 22.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Row {
    Counter(usize),
    Gc,
    Stw,
    /// A P's lane (or a thread's, when the frame is by thread): index into the model's lanes.
    Lane(usize),
    Group(u32),
    /// The goroutines of an expanded group, each on its own lane.
    Members(u32),
}

#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub row: Row,
    /// Top, in content coordinates (before scrolling), and height.
    pub y: f64,
    pub h: f64,
}

pub struct Layout {
    pub blocks: Vec<Block>,
    pub height: f64,
}

impl Layout {
    /// `lanes`: how many P (or thread) lanes the frame shows.
    pub fn new(model: &Model, frame: &Frame, lanes: usize) -> Layout {
        let mut blocks = Vec::new();
        let mut y = 0.0;
        let mut push = |row: Row, h: f64| {
            blocks.push(Block { row, y, h });
            y += h;
        };
        for i in 0..model.counters.len() {
            push(Row::Counter(i), COUNTER_H);
        }
        push(Row::Gc, RANGE_H);
        push(Row::Stw, RANGE_H);
        for i in 0..lanes {
            push(Row::Lane(i), LANE_H);
        }
        for (g, group) in model.goroutines.groups.iter().enumerate() {
            push(Row::Group(g as u32), GROUP_H);
            if frame.expanded.contains(&(g as u32)) {
                push(Row::Members(g as u32), group.members.len() as f64 * LANE_H);
            }
        }
        Layout { blocks, height: y }
    }

    /// The block under content coordinate `y`.
    pub fn at(&self, y: f64) -> Option<&Block> {
        let i = self.blocks.partition_point(|b| b.y + b.h <= y);
        self.blocks.get(i).filter(|b| b.y <= y)
    }

    /// Top of goroutine `index`'s own lane (in content coordinates), if its group is expanded.
    pub fn goroutine_y(&self, model: &Model, index: u32) -> Option<f64> {
        let g = *model.goroutines.group.get(index as usize)?;
        let k = model.goroutines.groups.get(g as usize)?.members.binary_search(&index).ok()?;
        let block = self.blocks.iter().find(|b| b.row == Row::Members(g))?;
        Some(block.y + k as f64 * LANE_H)
    }

    /// Top of the lane of P (or thread) `lane`, in content coordinates.
    pub fn lane_y(&self, lane: usize) -> Option<f64> {
        self.blocks.iter().find(|b| b.row == Row::Lane(lane)).map(|b| b.y)
    }
}
