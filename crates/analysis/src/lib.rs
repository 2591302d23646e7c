//! Analyses over the decoded event model (what `go tool trace` computes, and more).
//!
//! Every analysis is a linear pass over a [`gotv_decode::Trace`]; nothing here reads files,
//! clocks or threads, so the crate builds for `wasm32-unknown-unknown` unchanged.

mod goroutines;
mod id_map;
mod pprof_encode;
mod profiles;

pub use goroutines::{goroutines, ExecStats, Goroutine, GoroutineAnalysis, Group, Region};
pub use pprof_encode::encode_pprof;
pub use profiles::{profile, Profile, ProfileFrame, ProfileKind, ProfileSample};
