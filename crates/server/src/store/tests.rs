//! The store's own promises that no HTTP test can time: a checkpoint is never saved ahead of
//! the events it holds.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::checkpoints_db::CheckpointsDb;
use super::{Store, Sync};

/// A fresh directory for one test's store.
fn dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("sandbank-store-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_checkpoint_waits_for_its_events_to_commit_before_it_is_saved() {
    let dir = dir("checkpoint-waits");
    let (store, _) = Store::open(&dir, Sync::Off, &[]).expect("a new store opens");
    store.shared.paused.store(true, Ordering::Release);
    store.set_meta("probe", "1".to_string()).expect("appended");
    let upto = store.appended();
    std::thread::scope(|scope| {
        let saving = scope.spawn(|| store.save_checkpoint(7, 0, b"state", upto));
        std::thread::sleep(Duration::from_millis(100));
        assert!(!saving.is_finished(), "the checkpoint did not wait for its events");
        let newest = CheckpointsDb::newest_in(&dir).expect("the checkpoints' database reads");
        assert!(newest.is_none(), "saved ahead of its events: {newest:?}");
        store.shared.paused.store(false, Ordering::Release);
        saving.join().expect("no panic").expect("saved once the events committed");
    });
    let newest = CheckpointsDb::newest_in(&dir).expect("reads").expect("one is saved");
    assert_eq!((newest.seq, newest.data.as_slice()), (7, &b"state"[..]));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
