//! CPU profile samples recorded in the trace (`StackSample` events, §8), counted by stack:
//! a CPU profile Go's tools do not build from a trace.

use gotv_decode::{EventKind, StackId, Trace};
use serde::Serialize;

use crate::id_map::IdMap;
use crate::profiles::ProfileFrame;

#[derive(Debug, Clone, Serialize)]
pub struct CpuStack {
    /// Leaf first.
    pub stack: Vec<ProfileFrame>,
    pub samples: u64,
}

/// Stacks by sample count, most sampled first.
pub fn cpu_samples(trace: &Trace) -> Vec<CpuStack> {
    let mut counts: IdMap<StackId, u64> = IdMap::default();
    for (i, &k) in trace.kinds().iter().enumerate() {
        if k == EventKind::StackSample {
            *counts.entry(trace.event(i).stack()).or_default() += 1;
        }
    }
    let mut out: Vec<CpuStack> = counts
        .into_iter()
        .map(|(id, samples)| CpuStack { stack: ProfileFrame::of_stack(trace, id).collect(), samples })
        .collect();
    out.sort_by(|a, b| {
        b.samples.cmp(&a.samples).then_with(|| a.stack.iter().map(|f| f.pc).cmp(b.stack.iter().map(|f| f.pc)))
    });
    out
}
