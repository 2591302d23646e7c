use std::fmt;

/// A decoding failure, always located: users get told where their file broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// Byte offset in the file where the problem was found.
    pub offset: u64,
    /// Generation being read (v2 traces only).
    pub generation: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file does not start with a Go trace header.
    NotATrace { found: String },
    /// A Go trace header whose version no Go release writes.
    UnsupportedVersion { minor: u32 },
    /// The file ends in the middle of something.
    Truncated { what: &'static str },
    /// The bytes contradict the format.
    Malformed { what: String },
    /// Decoding the rest would take more memory than the caller's [`Budget`](crate::Budget)
    /// allows: what was decoded before is kept. Sizes in MB, as `u32`: this enum, which
    /// decoding's hot paths return, then stays as small as its other variants in WebAssembly
    /// (where a `String` is 12 bytes); two `u64`s made decoding 3–5% slower in Chromium.
    TooBig {
        budget_mb: u32,
        /// What the whole file would take, by the budget's estimate (with the file's size
        /// unknown, what the bytes read so far would).
        need_mb: u32,
        /// The format is read whole (Go 1.21 and older), so nothing was decoded.
        whole: bool,
    },
}

impl Error {
    pub fn new(kind: ErrorKind, offset: u64) -> Self {
        Error { kind, offset, generation: None }
    }

    pub fn in_generation(mut self, generation: u64) -> Self {
        self.generation = Some(generation);
        self
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::NotATrace { found } => write!(
                f,
                "not a Go execution trace: it starts with {found} instead of \"go 1.N trace\" \
                 (record one with runtime/trace, go test -trace or a flight recorder)"
            ),
            ErrorKind::UnsupportedVersion { minor } => {
                write!(f, "unsupported trace version go 1.{minor}: no Go release writes it")
            }
            ErrorKind::Truncated { what } => write!(f, "trace is truncated: it ends inside {what}"),
            ErrorKind::Malformed { what } => write!(f, "corrupt trace: {what}"),
            ErrorKind::TooBig { budget_mb, need_mb, whole: false } => write!(
                f,
                "trace is too big for {budget_mb} MB of memory (all of it would need about {need_mb} MB): \
                 the rest of the file is not read"
            ),
            ErrorKind::TooBig { budget_mb, need_mb, whole: true } => write!(
                f,
                "trace is too big for {budget_mb} MB of memory: traces of Go 1.21 and older are read \
                 whole, and this one would need about {need_mb} MB"
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte offset {}", self.kind, self.offset)?;
        if let Some(g) = self.generation {
            write!(f, ", generation {g}")?;
        }
        write!(f, ")")
    }
}

impl std::error::Error for Error {}
