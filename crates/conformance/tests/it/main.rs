//! The runner's own proof: every suite passes against an in-process sandbank, and the runner
//! catches deliberately wrong implementations with useful messages.

mod against_mock;
mod against_wrong;
