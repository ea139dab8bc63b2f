//! Snapshots of normalized exchanges in insta's `.snap` format, under
//! `conformance/snapshots/<vendor>/<case>@<name>.snap`, with insta's update semantics: `no`
//! (the default, and always under CI) compares; `new` writes `.snap.new` for review; `always`
//! rewrites. Dynamic values are redacted by reference (`<uuid:1>` stays the same id).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::files::Files;

/// How snapshots are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// Compare only.
    No,
    /// Write mismatches and missing ones as `.snap.new`.
    New,
    /// Rewrite mismatches and missing ones in place.
    Always,
}

/// The snapshot store of one run.
#[derive(Debug)]
pub struct Snapshots {
    files: Files,
    mode: UpdateMode,
}

impl Snapshots {
    /// A store over `files`; built-in snapshots are compared, never written.
    pub fn new(files: Files, mode: UpdateMode) -> Snapshots {
        Snapshots { files, mode }
    }

    fn rel(vendor: &str, case: &str, name: &str) -> PathBuf {
        Path::new(vendor).join(format!("{case}@{name}.snap"))
    }

    /// Compares `content` with the stored snapshot; `Err` carries a readable diff or the
    /// reason it is missing.
    pub fn check(&self, vendor: &str, case: &str, name: &str, content: &str) -> Result<(), String> {
        let rel = Self::rel(vendor, case, name);
        let shown = self.files.show(&rel);
        let stored = self.files.read(&rel).ok().map(|text| body_of(&text));
        let file_text = format!(
            "---\nsource: conformance/suites/{vendor}/{case}.yaml\nexpression: {name}\n---\n{content}\n"
        );
        match (stored, self.mode, self.files.folder()) {
            (Some(stored), _, _) if stored.trim_end() == content.trim_end() => Ok(()),
            (_, UpdateMode::Always, Some(folder)) => write(&folder.join(&rel), &file_text),
            (_, UpdateMode::Always, None) => Err(format!(
                "snapshot {} is built into sandbank and cannot be rewritten: pass --snapshots DIR",
                shown.display()
            )),
            (stored, mode, folder) => {
                if let (UpdateMode::New, Some(folder)) = (mode, folder) {
                    write(&folder.join(&rel).with_extension("snap.new"), &file_text)?;
                }
                match stored {
                    None => Err(format!(
                        "snapshot {} is missing (run with --update-snapshots)",
                        shown.display()
                    )),
                    Some(stored) => Err(format!(
                        "snapshot {} differs:\n{}",
                        shown.display(),
                        diff(&stored, content)
                    )),
                }
            }
        }
    }

    /// Snapshot files of the given vendors that no loaded case declares: left behind by a
    /// renamed or deleted case or step. A skipped case's snapshots are not orphans.
    pub fn orphans(&self, declared: &[(String, String, String)]) -> Vec<PathBuf> {
        let expected: Vec<PathBuf> =
            declared.iter().map(|(vendor, case, name)| Self::rel(vendor, case, name)).collect();
        let mut vendors: Vec<&String> = declared.iter().map(|(vendor, _, _)| vendor).collect();
        vendors.dedup();
        let mut orphans = Vec::new();
        for vendor in vendors {
            let Ok(entries) = self.files.list(Path::new(vendor)) else { continue };
            for entry in entries {
                let rel = Path::new(vendor).join(&entry.name);
                if !entry.is_dir && entry.name.ends_with(".snap") && !expected.contains(&rel) {
                    orphans.push(self.files.show(&rel));
                }
            }
        }
        orphans.sort();
        orphans
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The content of an insta `.snap` file: what follows the second `---` line.
fn body_of(text: &str) -> String {
    let mut parts = text.splitn(3, "---\n");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), Some(_header), Some(body)) => body.to_string(),
        _ => text.to_string(),
    }
}

/// A unified diff, `-` stored and `+` received.
pub fn diff(stored: &str, received: &str) -> String {
    similar::TextDiff::from_lines(stored, received)
        .unified_diff()
        .context_radius(2)
        .header("stored", "received")
        .to_string()
}

/// Replaces dynamic values with numbered placeholders (`<uuid:1>`, `<timestamp:2>`, …), the
/// same value always getting the same number within one case.
#[derive(Debug, Default)]
pub struct Normalizer {
    seen: BTreeMap<(&'static str, String), usize>,
    counts: BTreeMap<&'static str, usize>,
}

impl Normalizer {
    /// Redacts one value of a known kind (a case's `redact` pointers).
    pub fn redact(&mut self, kind: &'static str, value: &str) -> String {
        let n = match self.seen.get(&(kind, value.to_string())) {
            Some(n) => *n,
            None => {
                let count = self.counts.entry(kind).or_insert(0);
                *count += 1;
                self.seen.insert((kind, value.to_string()), *count);
                *count
            }
        };
        format!("<{kind}:{n}>")
    }

    /// Redacts every uuid, JWT, 32-hex id and RFC 3339 instant in `text`.
    pub fn apply(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut idx = 0;
        while idx < text.len() {
            if let Some((kind, len)) = dynamic_at(&text[idx..]) {
                let value = text[idx..idx + len].to_string();
                out.push_str(&self.redact(kind, &value));
                idx += len;
            } else if let Some(ch) = text[idx..].chars().next() {
                out.push(ch);
                idx += ch.len_utf8();
            } else {
                break;
            }
        }
        out
    }
}

fn dynamic_at(text: &str) -> Option<(&'static str, usize)> {
    let is_hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let boundary_after =
        |len: usize| text[len..].chars().next().is_none_or(|c| !c.is_ascii_alphanumeric());
    let b = text.as_bytes();
    if text.len() >= 36 && text.is_char_boundary(36) {
        let dashes = [8, 13, 18, 23].iter().all(|i| b[*i] == b'-');
        if dashes && is_hex(&text[..36].replace('-', "")) && boundary_after(36) {
            return Some(("uuid", 36));
        }
    }
    if text.starts_with("eyJ") {
        let len = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
            .unwrap_or(text.len());
        if text[..len].matches('.').count() == 2 {
            return Some(("jwt", len));
        }
    }
    if text.len() >= 32 && text.is_char_boundary(32) && is_hex(&text[..32]) && boundary_after(32) {
        return Some(("hex32", 32));
    }
    if b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[..4].iter().all(u8::is_ascii_digit)
    {
        let len = text
            .find(|c: char| !(c.is_ascii_digit() || "-:.TZ+".contains(c)))
            .unwrap_or(text.len());
        return Some(("timestamp", len));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_is_by_reference() {
        let mut n = Normalizer::default();
        let a = "15bfc289-de75-4668-bb11-3998aadf226d";
        let text = format!("{a} {a} 2026-01-01T00:00:00Z fcd0cecb-90dd-4ae2-879f-d0eda6fbddd4");
        assert_eq!(n.apply(&text), "<uuid:1> <uuid:1> <timestamp:1> <uuid:2>");
    }

    #[test]
    fn snapshots_compare_write_and_report_orphans() {
        let dir = std::env::temp_dir().join(format!("sbk-snap-{}", uuid::Uuid::new_v4().simple()));
        let store = Snapshots::new(Files::Dir(dir.clone()), UpdateMode::Always);
        store.check("v", "001-a", "x", "hello\n").unwrap();
        let strict = Snapshots::new(Files::Dir(dir.clone()), UpdateMode::No);
        strict.check("v", "001-a", "x", "hello\n").unwrap();
        let err = strict.check("v", "001-a", "x", "bye\n").unwrap_err();
        assert!(err.contains("-hello") && err.contains("+bye"), "{err}");
        assert!(strict.check("v", "001-a", "missing", "x").unwrap_err().contains("missing"));
        std::fs::write(dir.join("v").join("002-b@old.snap"), "---\n---\nx\n").unwrap();
        let declared = [("v".to_string(), "001-a".to_string(), "x".to_string())];
        assert_eq!(strict.orphans(&declared), vec![dir.join("v").join("002-b@old.snap")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn built_in_snapshots_are_compared_and_never_written() {
        let shipped = |mode| Snapshots::new(Files::shipped_snapshots(), mode);
        let vendor = Files::shipped_snapshots().list(Path::new("")).unwrap()[0].name.clone();
        let snap = Files::shipped_snapshots().list(Path::new(&vendor)).unwrap()[0].name.clone();
        let (case, name) = snap.trim_end_matches(".snap").split_once('@').unwrap();
        let err = shipped(UpdateMode::New).check(&vendor, case, name, "changed").unwrap_err();
        assert!(err.contains("differs"), "{err}");
        let err = shipped(UpdateMode::Always).check(&vendor, case, name, "changed").unwrap_err();
        assert!(err.contains("cannot be rewritten: pass --snapshots DIR"), "{err}");
    }
}
