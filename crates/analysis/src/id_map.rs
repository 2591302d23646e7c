//! Maps keyed by ids from the trace use the decoder's hasher: the same keys, chosen by the
//! same files, with the same need to mix every bit.

pub(crate) use gotv_decode::IdMap;
