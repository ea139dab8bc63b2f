//! Where the runner reads suites, specs and snapshots: a folder on disk, or the copies built into
//! the binary, so `sandbank conform` works from any folder without a checkout.

use std::io;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

/// The repository's `conformance/suites`, as it was when this crate was built.
static SHIPPED_SUITES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../conformance/suites");
/// The repository's `specs`.
static SHIPPED_SPECS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../specs");
/// The repository's `conformance/snapshots`.
static SHIPPED_SNAPSHOTS: Dir<'static> =
    include_dir!("$CARGO_MANIFEST_DIR/../../conformance/snapshots");

/// A tree of files, read-only when built in.
#[derive(Debug, Clone)]
pub enum Files {
    /// A folder on disk.
    Dir(PathBuf),
    /// Files built into the binary, shown under the repository path they came from.
    Shipped {
        /// The embedded tree.
        dir: &'static Dir<'static>,
        /// Its path in the repository, for messages (`conformance/suites`).
        label: &'static str,
    },
}

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file or folder name.
    pub name: String,
    /// Whether it is a folder.
    pub is_dir: bool,
}

impl Files {
    /// The suites built into this binary.
    pub fn shipped_suites() -> Files {
        Files::Shipped { dir: &SHIPPED_SUITES, label: "conformance/suites" }
    }

    /// The specs built into this binary.
    pub fn shipped_specs() -> Files {
        Files::Shipped { dir: &SHIPPED_SPECS, label: "specs" }
    }

    /// The snapshots built into this binary.
    pub fn shipped_snapshots() -> Files {
        Files::Shipped { dir: &SHIPPED_SNAPSHOTS, label: "conformance/snapshots" }
    }

    /// The folder on disk, when there is one (only a folder can be written).
    pub fn folder(&self) -> Option<&Path> {
        match self {
            Files::Dir(path) => Some(path),
            Files::Shipped { .. } => None,
        }
    }

    /// Where these files come from, for a report's header.
    pub fn describe(&self) -> String {
        match self {
            Files::Dir(path) => path.display().to_string(),
            Files::Shipped { label, .. } => format!("{label} (built in)"),
        }
    }

    /// How to name `rel` in a message: its path on disk, or its path in the repository.
    pub fn show(&self, rel: &Path) -> PathBuf {
        match self {
            Files::Dir(path) => path.join(rel),
            Files::Shipped { label, .. } => Path::new(label).join(rel),
        }
    }

    /// The entries of the folder `rel` (`""` is the root), sorted by name.
    pub fn list(&self, rel: &Path) -> io::Result<Vec<Entry>> {
        let mut entries = match self {
            Files::Dir(path) => std::fs::read_dir(path.join(rel))?
                .filter_map(Result::ok)
                .map(|e| Entry {
                    name: e.file_name().to_string_lossy().into_owned(),
                    is_dir: e.path().is_dir(),
                })
                .collect(),
            Files::Shipped { dir, .. } => {
                let dir = if rel.as_os_str().is_empty() { Some(*dir) } else { dir.get_dir(rel) };
                let dir = dir.ok_or_else(|| not_found(self, rel))?;
                dir.entries()
                    .iter()
                    .map(|e| Entry {
                        name: e
                            .path()
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        is_dir: e.as_dir().is_some(),
                    })
                    .collect::<Vec<_>>()
            }
        };
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// The text of the file `rel`.
    pub fn read(&self, rel: &Path) -> io::Result<String> {
        match self {
            Files::Dir(path) => std::fs::read_to_string(path.join(rel)),
            Files::Shipped { dir, .. } => {
                let file = dir.get_file(rel).ok_or_else(|| not_found(self, rel))?;
                file.contents_utf8().map(str::to_string).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")
                })
            }
        }
    }
}

fn not_found(files: &Files, rel: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} is not built into this binary", files.show(rel).display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_files_are_the_repository_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for (shipped, dir) in [
            (Files::shipped_suites(), root.join("conformance/suites")),
            (Files::shipped_specs(), root.join("specs")),
            (Files::shipped_snapshots(), root.join("conformance/snapshots")),
        ] {
            let on_disk = Files::Dir(dir);
            assert_eq!(shipped.list(Path::new("")).unwrap(), on_disk.list(Path::new("")).unwrap());
            for entry in on_disk.list(Path::new("")).unwrap() {
                let rel = Path::new(&entry.name);
                if entry.is_dir {
                    assert_eq!(shipped.list(rel).unwrap(), on_disk.list(rel).unwrap());
                } else {
                    assert_eq!(shipped.read(rel).unwrap(), on_disk.read(rel).unwrap());
                }
            }
        }
    }

    #[test]
    fn a_missing_shipped_file_is_not_found_by_its_repository_path() {
        let err = Files::shipped_suites().read(Path::new("nope/001-x.yaml")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("conformance/suites/nope/001-x.yaml"), "{err}");
    }
}
