//! The runner's own proof: every suite passes against an in-process sandbank, the runner
//! catches deliberately wrong implementations with useful messages, and it deletes the tenants
//! it makes.

mod against_mock;
mod against_wrong;
mod cleanup;
