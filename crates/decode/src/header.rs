//! The 16-byte file header: `go 1.N trace` padded with NULs (trace-format.md §1).

use crate::error::{Error, ErrorKind};

pub const HEADER_LEN: usize = 16;

/// The two wire families; every later stage dispatches on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Headers 1.5–1.21: one event stream, stacks and frequency at the end.
    V1,
    /// Headers 1.22+: generations of self-describing batches.
    V2,
}

/// The header's `go 1.N` minor number. Only numbers some Go release writes are accepted,
/// because the body's encoding depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u32);

impl Version {
    const KNOWN: [u32; 12] = [5, 7, 8, 9, 10, 11, 19, 21, 22, 23, 25, 26];

    /// The Go releases that write this header (trace-format.md §1.1).
    pub fn writers(self) -> &'static str {
        match self.0 {
            5 => "Go 1.5–1.6",
            7 => "Go 1.7",
            8 => "Go 1.8",
            9 => "Go 1.9",
            10 => "Go 1.10",
            11 => "Go 1.11–1.18",
            19 => "Go 1.19–1.20",
            21 => "Go 1.21",
            22 => "Go 1.22",
            23 => "Go 1.23–1.24",
            25 => "Go 1.25",
            26 => "Go 1.26–1.27",
            _ => "an unknown Go release",
        }
    }

    pub fn format(self) -> Format {
        if self.0 >= 22 {
            Format::V2
        } else {
            Format::V1
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "go 1.{}", self.0)
    }
}

/// Reads the header at the start of `data`.
pub fn read_header(data: &[u8]) -> Result<Version, Error> {
    let not_a_trace = || {
        let shown: String =
            data.iter().take(HEADER_LEN).map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
        Error::new(ErrorKind::NotATrace { found: format!("{shown:?}") }, 0)
    };
    const PREFIX: &[u8] = b"go 1.";
    if data.len() < HEADER_LEN {
        return Err(if PREFIX.starts_with(&data[..data.len().min(PREFIX.len())]) && !data.is_empty() {
            Error::new(ErrorKind::Truncated { what: "the 16-byte header" }, data.len() as u64)
        } else {
            not_a_trace()
        });
    }
    let header = &data[..HEADER_LEN];
    if !header.starts_with(PREFIX) {
        return Err(not_a_trace());
    }
    let rest = &header[PREFIX.len()..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 3 {
        return Err(not_a_trace());
    }
    let tail = &rest[digits..];
    const SUFFIX: &[u8] = b" trace";
    if !tail.starts_with(SUFFIX) || tail[SUFFIX.len()..].iter().any(|&b| b != 0) {
        return Err(not_a_trace());
    }
    let minor = rest[..digits].iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    if !Version::KNOWN.contains(&minor) {
        return Err(Error::new(ErrorKind::UnsupportedVersion { minor }, PREFIX.len() as u64));
    }
    Ok(Version(minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_header_reads_back() {
        for minor in Version::KNOWN {
            let mut h = format!("go 1.{minor} trace").into_bytes();
            h.resize(HEADER_LEN, 0);
            assert_eq!(read_header(&h), Ok(Version(minor)));
        }
    }

    #[test]
    fn a_non_trace_is_named_as_such_at_offset_zero() {
        let err = read_header(b"<!doctype html><html>").unwrap_err();
        assert!(matches!(err.kind, ErrorKind::NotATrace { .. }));
        assert_eq!(err.offset, 0);
        assert!(err.to_string().contains("<!doctype html>"), "{err}");
    }

    #[test]
    fn unknown_minor_is_rejected_at_the_number() {
        let err = read_header(b"go 1.24 trace\0\0\0").unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnsupportedVersion { minor: 24 });
        assert_eq!(err.offset, 5);
    }

    #[test]
    fn short_header_is_truncation_not_garbage() {
        let err = read_header(b"go 1.22 tr").unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Truncated { .. }));
        assert_eq!(err.offset, 10);
    }
}
