//! Rebuilds the crate when a file is added to or removed from the folders it embeds (see
//! `src/files.rs`): `include_dir!` tracks the files it read, but not the folders' listings.

fn main() {
    for dir in ["../../conformance/suites", "../../conformance/snapshots", "../../specs"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
