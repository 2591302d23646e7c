//! Analyses over the decoded event model (what `go tool trace` computes, and more).
//!
//! Every analysis is a linear pass over a [`gotv_decode::Trace`]; nothing here reads files,
//! clocks or threads, so the crate builds for `wasm32-unknown-unknown` unchanged.

mod annotations;
mod chunked;
mod counters;
mod cpu_samples;
mod findings;
mod gc;
mod goroutines;
mod id_map;
mod mmu;
mod numbers;
mod pprof_encode;
mod profiles;
mod slots;
mod summary;

pub use annotations::{
    annotations, region_instances, task_instances, Annotations, DurationStats, LogCategory, RegionInstance,
    TaskInstance, TypeStats,
};
pub use counters::{counters, plot_resolution, Counters, GoroutineCounts, ProcCount};
pub use cpu_samples::{cpu_samples, CpuStack};
pub use findings::{findings, vitals, Finding, Location, Severity, Vitals};
pub use gc::{gc, GcAnalysis, GcCycle, GcSummary, Pause, Point, Span};
pub use goroutines::{goroutines, ExecStats, Goroutine, GoroutineAnalysis, Group, Region, Regions, Times};
pub use mmu::{
    mmu, mmu_curve, mmu_curve_as_go, utilization, utilization_as_go, worst_windows, MmuCurve, MmuFlags, UtilPoint,
    Window,
};
pub use numbers::grouped;
pub use pprof_encode::encode_pprof;
pub use profiles::{group_profile, profile, profiles, Profile, ProfileFrame, ProfileKind, ProfileSample};
pub use summary::{summary, Summary};
