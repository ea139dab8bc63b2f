//! Rebuilds the crate when a file is added to or removed from `specs/`, which
//! `admin/specs.rs` embeds: `include_dir!` tracks the files it read, but not the folder's
//! listing.

fn main() {
    println!("cargo:rerun-if-changed=../../specs");
}
