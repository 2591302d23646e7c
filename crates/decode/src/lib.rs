//! Go execution-trace decoding.
//!
//! No web dependencies live here: the same code runs in the `gotv` CLI and, compiled to
//! WebAssembly, in the page.
//!
//! ```no_run
//! let bytes = std::fs::read("trace.out").unwrap();
//! let decoded = gotv_decode::decode(&bytes);
//! for ev in decoded.trace.events() {
//!     println!("{ev}");
//! }
//! if let Some(err) = decoded.error {
//!     eprintln!("{err}");
//! }
//! ```

mod batch;
mod contexts;
mod cursor;
mod decoder;
mod dense_map;
mod display;
mod error;
mod generation;
mod hash;
mod header;
mod model;
mod order;
mod reader;
mod report;
mod stack_column;
mod stacks;
mod strings;
mod taken;
mod times;
mod trace;
mod uints;
pub mod v1;
mod v2;
mod wire;

pub use decoder::{decode, Budget, Decoded, Decoder, Progress};
pub use display::quote;
pub use error::{Error, ErrorKind};
pub use hash::{IdHasher, IdMap};
pub use header::{read_header, Format, Version, HEADER_LEN};
pub use model::*;
pub use stacks::{StackId, Stacks, NO_STACK};
pub use strings::{StrId, Strings};
pub use trace::{
    each_index, EventRef, ExperimentalEvent, GenerationInfo, GoTransition, LogInfo, ProcTransition, RangeInfo,
    RegionInfo, ScopeSlot, SyncInfo, TaskInfo, Trace, TransitionCursor,
};
