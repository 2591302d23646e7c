//! Analyses over the decoded event model (what `go tool trace` computes, and more).
