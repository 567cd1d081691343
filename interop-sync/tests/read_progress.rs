//! Read progress: a hook given to the reader sees every file of the project counted once, from
//! a folder and from a git commit, ending at the total; a re-read of the same tree, which reuses
//! the project without reading a file, reports nothing.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use interop_sync::read::{FolderSource, GitTreeSource, ProjectSource, ReadProgress, Reader};

fn shop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/shop")
}

/// Reads `source` twice with a recording hook; returns the calls of each read.
fn calls(source: &dyn ProjectSource) -> Vec<Vec<(usize, usize)>> {
    let seen: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let reader = Reader::default().with_progress(ReadProgress::new(move |done, total| {
        sink.lock().unwrap().push((done, total))
    }));
    let mut out = Vec::new();
    for pass in 0..2 {
        let project = reader.read(source).unwrap();
        let mut got = std::mem::take(&mut *seen.lock().unwrap());
        got.sort();
        let total = project.files.len();
        assert!(total > 50, "the shop has {total} files");
        let expected: Vec<(usize, usize)> = (1..=total).map(|n| (n, total)).collect();
        let reused = pass == 1 && source.content_id().is_some();
        assert_eq!(got, if reused { vec![] } else { expected });
        out.push(got);
    }
    out
}

#[test]
fn every_file_is_counted_once_from_a_folder_and_from_a_commit() {
    let folder = calls(&FolderSource::new(shop()));
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    let copy = std::process::Command::new("cp")
        .arg("-a")
        .arg(shop().join("."))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copy.success());
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "shop"]);
    let commit = calls(&GitTreeSource::open(dir.path(), "main").unwrap());
    assert_eq!(folder[0], commit[0]);
}
