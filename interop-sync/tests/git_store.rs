//! The git store on real repositories in temp folders: the sync branch gets exactly the planned
//! files, the customer's main branch, index and work tree stay byte-for-byte as they were, refs
//! move only by compare-and-swap (also under races and injected faults), the base snapshot is
//! versioned, and pushes honour their lease.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use git2::Oid;
use interop_sync::edit::plan::{PlanOptions, ResourceOp, apply_plan};
use interop_sync::git::{
    Author, BaseStore, CommitRequest, Credentials, FileWrite, GitError, GitRefBaseStore, GitStore,
    MemoryBaseStore, RefLease, SyncStep, sync_branch_name,
};
use interop_sync::read::Reader;
use serde_json::json;

fn shop_repo() -> tempfile::TempDir {
    let shop = common::fixture_projects()
        .into_iter()
        .find(|p| p.ends_with("shop"))
        .expect("shop fixture");
    common::git_copy(&shop)
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every file of the work tree plus the index, HEAD and main, as bytes.
fn checkout_state(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if rel == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    for name in [".git/index", ".git/HEAD", ".git/refs/heads/main"] {
        out.insert(name.into(), std::fs::read(dir.join(name)).unwrap());
    }
    out
}

fn ops() -> Vec<ResourceOp> {
    vec![
        ResourceOp::Set {
            resource: "model.shop.order_items".into(),
            field: "config.meta.owner".into(),
            value: json!("analytics@acme.test"),
        },
        ResourceOp::SetColumn {
            resource: "model.shop.order_items".into(),
            column: "order_item_id".into(),
            field: "description".into(),
            value: json!("One row per item of an order."),
        },
    ]
}

/// One sync: read main's tree, apply the plan, write the sync branch.
fn sync(
    store: &GitStore,
    vendor: &str,
    ops: &[ResourceOp],
) -> Result<interop_sync::git::SyncBranchUpdate, GitError> {
    let main = store.resolve("refs/heads/main")?;
    let source = store.tree_source(main, "")?;
    let project = Reader::default().read(&source).expect("project reads");
    let changes = apply_plan(&project, &source, ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:?}", changes.errors);
    let branch = sync_branch_name(vendor)?;
    let expected = store.ref_target(&format!("refs/heads/{branch}"))?;
    let request = CommitRequest {
        parent: main,
        subdir: String::new(),
        writes: FileWrite::from_changes(&changes),
        message: format!("{vendor}: sync"),
        author: Author {
            name: "Acme BI".into(),
            email: "bot@acme.test".into(),
        },
        committer: None,
    };
    store.update_sync_branch(&branch, &["main"], &request, expected)
}

#[test]
fn sync_branch_gets_only_the_planned_files_and_the_checkout_is_untouched() {
    let repo = shop_repo();
    // A dirty work tree and a staged change: both must survive as they are.
    std::fs::write(repo.path().join("models/scratch.sql"), "select 1 as x\n").unwrap();
    std::fs::write(repo.path().join("README.md"), "edited, not committed\n").unwrap();
    git(repo.path(), &["add", "README.md"]);
    let before = checkout_state(repo.path());
    let main_before = git(repo.path(), &["rev-parse", "main"]);

    let store = GitStore::open(repo.path()).unwrap();
    let update = sync(&store, "acme-bi", &ops()).unwrap();
    assert!(update.created && update.previous.is_none());
    let commit = update.commit.unwrap();

    assert_eq!(
        checkout_state(repo.path()),
        before,
        "work tree, index, HEAD or main moved"
    );
    assert_eq!(git(repo.path(), &["rev-parse", "main"]), main_before);

    let changed = git(
        repo.path(),
        &["diff", "--name-only", "main", "interop/acme-bi"],
    );
    assert_eq!(changed.trim(), "models/marts/finance/_finance__models.yml");
    let parent = git(repo.path(), &["rev-parse", "interop/acme-bi^"]);
    assert_eq!(parent, main_before, "the sync branch starts from main");
    let author = git(
        repo.path(),
        &["log", "-1", "--format=%an <%ae>|%s", "interop/acme-bi"],
    );
    assert_eq!(author.trim(), "Acme BI <bot@acme.test>|acme-bi: sync");

    // The same sync again writes nothing.
    let again = sync(&store, "acme-bi", &ops()).unwrap();
    assert_eq!(again.commit, Some(commit));
    assert!(!again.created);
    assert_eq!(
        git(repo.path(), &["rev-list", "--count", "interop/acme-bi"]).trim(),
        "2"
    );

    // A sync that changes nothing leaves no branch behind.
    let nothing = sync(&store, "quiet-vendor", &[]).unwrap();
    assert_eq!(nothing.commit, None);
    assert!(
        store
            .ref_target("refs/heads/interop/quiet-vendor")
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_branch_is_recomputed_from_main_not_stacked() {
    let repo = shop_repo();
    let store = GitStore::open(repo.path()).unwrap();
    let first = sync(&store, "acme", &ops()).unwrap().commit.unwrap();
    // The customer commits on main meanwhile.
    std::fs::write(repo.path().join("README.md"), "new readme\n").unwrap();
    git(repo.path(), &["commit", "-qam", "readme"]);
    let second = sync(&store, "acme", &ops()).unwrap();
    assert!(second.created);
    assert_eq!(second.previous, Some(first));
    let log = git(repo.path(), &["log", "--format=%s", "interop/acme"]);
    assert_eq!(
        log.lines().take(3).collect::<Vec<_>>(),
        ["acme: sync", "readme", "fixture"]
    );
}

#[test]
fn refs_move_only_by_compare_and_swap() {
    let repo = shop_repo();
    let store = GitStore::open(repo.path()).unwrap();
    let main = store.resolve("main").unwrap();
    let other = sync(&store, "acme", &ops()).unwrap().commit.unwrap();
    store
        .update_ref("refs/heads/interop/x", main, None, "t")
        .unwrap();
    // Creating again with "expected absent" fails: it exists.
    let err = store
        .update_ref("refs/heads/interop/x", other, None, "t")
        .unwrap_err();
    assert!(err.is_repo_moved(), "{err}");
    // A stale expectation fails and says where the ref is.
    let err = store
        .update_ref("refs/heads/interop/x", other, Some(other), "t")
        .unwrap_err();
    assert!(err.to_string().contains(&main.to_string()), "{err}");
    assert_eq!(
        store.ref_target("refs/heads/interop/x").unwrap(),
        Some(main)
    );
    store
        .update_ref("refs/heads/interop/x", other, Some(main), "t")
        .unwrap();
    assert_eq!(
        store.ref_target("refs/heads/interop/x").unwrap(),
        Some(other)
    );
    // The main branch and bad names are refused as sync branches.
    let request = CommitRequest {
        parent: main,
        subdir: String::new(),
        writes: vec![],
        message: "m".into(),
        author: Author::default(),
        committer: None,
    };
    assert!(matches!(
        store.update_sync_branch("main", &["main"], &request, None),
        Err(GitError::RefusedRef { .. })
    ));
    for bad in ["", "../main", "a/b", ".hidden", "x.lock", "a b"] {
        assert!(sync_branch_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn plan_paths_cannot_escape_the_repository() {
    let repo = shop_repo();
    let store = GitStore::open(repo.path()).unwrap();
    let main = store.resolve("main").unwrap();
    for path in ["../outside.yml", "/etc/passwd", "models/../../x.yml"] {
        let request = CommitRequest {
            parent: main,
            subdir: String::new(),
            writes: vec![FileWrite::Put {
                path: path.into(),
                content: b"x".to_vec(),
            }],
            message: "m".into(),
            author: Author::default(),
            committer: None,
        };
        assert!(
            matches!(store.write_commit(&request), Err(GitError::InvalidPath(_))),
            "{path}"
        );
    }
}

#[test]
fn two_syncs_racing_never_lose_an_update() {
    let repo = shop_repo();
    let path = repo.path().to_path_buf();
    let lost = AtomicUsize::new(0);
    for trial in 0..100 {
        let branch = format!("interop/race{trial}");
        let reference = format!("refs/heads/{branch}");
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let results: Vec<(usize, Result<Oid, GitError>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|who| {
                    let barrier = barrier.clone();
                    let path = path.clone();
                    let branch = branch.clone();
                    scope.spawn(move || {
                        let store = GitStore::open(&path).unwrap();
                        let main = store.resolve("main").unwrap();
                        let expected = store.ref_target(&format!("refs/heads/{branch}")).unwrap();
                        let request = CommitRequest {
                            parent: main,
                            subdir: String::new(),
                            writes: vec![FileWrite::Put {
                                path: format!("models/writer_{who}.yml"),
                                content: format!("version: 2\n# writer {who}\n").into_bytes(),
                            }],
                            message: format!("writer {who}"),
                            author: Author::default(),
                            committer: None,
                        };
                        barrier.wait();
                        let result = store
                            .update_sync_branch(&branch, &["main"], &request, expected)
                            .map(|u| u.commit.unwrap());
                        (who, result)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let store = GitStore::open(&path).unwrap();
        let tip = store.ref_target(&reference).unwrap().expect("one sync won");
        let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).collect();
        assert_eq!(
            winners.len(),
            1,
            "trial {trial}: exactly one wins: {results:?}"
        );
        assert_eq!(winners[0].1.as_ref().unwrap(), &tip, "trial {trial}");
        // The ref points at a valid commit with the winner's file.
        let winner = winners[0].0;
        assert!(
            store
                .file_at(tip, &format!("models/writer_{winner}.yml"))
                .unwrap()
                .is_some()
        );
        // The loser was told, and a retry from a fresh read succeeds.
        let (loser, err) = results.iter().find(|(_, r)| r.is_err()).unwrap();
        let err = err.as_ref().unwrap_err();
        assert!(err.is_repo_moved(), "trial {trial}: {err}");
        let request = CommitRequest {
            parent: store.resolve("main").unwrap(),
            subdir: String::new(),
            writes: vec![FileWrite::Put {
                path: format!("models/writer_{loser}.yml"),
                content: format!("version: 2\n# writer {loser}\n").into_bytes(),
            }],
            message: format!("writer {loser}, retried"),
            author: Author::default(),
            committer: None,
        };
        let retried = store
            .update_sync_branch(&branch, &["main"], &request, Some(tip))
            .unwrap();
        if retried.commit.is_none() {
            lost.fetch_add(1, Ordering::Relaxed);
        }
        git(&path, &["fsck", "--no-dangling", "--no-progress"]);
    }
    assert_eq!(lost.load(Ordering::Relaxed), 0);
}

#[test]
fn a_failure_at_any_step_leaves_every_ref_valid_and_unmoved() {
    for step in [
        SyncStep::Blobs,
        SyncStep::Tree,
        SyncStep::Commit,
        SyncStep::RefUpdate,
    ] {
        let repo = shop_repo();
        let plain = GitStore::open(repo.path()).unwrap();
        let before = sync(&plain, "acme", &ops()).unwrap().commit.unwrap();
        let refs_before = git(repo.path(), &["show-ref"]);
        let store = GitStore::open(repo.path())
            .unwrap()
            .with_step_hook(move |s| {
                if s == step {
                    Err("injected".into())
                } else {
                    Ok(())
                }
            });
        let mut more = ops();
        more.push(ResourceOp::Set {
            resource: "model.shop.orders".into(),
            field: "config.meta.tier".into(),
            value: json!("platinum-test"),
        });
        let err = sync(&store, "acme", &more).unwrap_err();
        assert!(matches!(err, GitError::Stopped { .. }), "{step}: {err}");
        assert_eq!(git(repo.path(), &["show-ref"]), refs_before, "{step}");
        assert_eq!(
            plain.ref_target("refs/heads/interop/acme").unwrap(),
            Some(before)
        );
        git(repo.path(), &["fsck", "--no-dangling", "--no-progress"]);
    }
}

#[test]
fn the_base_snapshot_is_versioned_and_advances_by_compare_and_swap() {
    let repo = shop_repo();
    let store = GitStore::open(repo.path()).unwrap();
    let base = GitRefBaseStore::for_vendor(&store, "acme").unwrap();
    assert_eq!(base.reference(), "refs/interop/acme/base");
    let memory = MemoryBaseStore::default();
    for base in [&base as &dyn BaseStore, &memory] {
        assert!(base.load().unwrap().is_none());
        let v1 = base.store(None, b"{\"resources\": {}}").unwrap();
        assert!(base.store(None, b"{}").unwrap_err().is_repo_moved());
        let v2 = base
            .store(Some(&v1), b"{\"resources\": {\"a\": 1}}")
            .unwrap();
        assert_ne!(v1, v2);
        assert!(base.store(Some(&v1), b"{}").unwrap_err().is_repo_moved());
        let loaded = base.load().unwrap().unwrap();
        assert_eq!(loaded.version, v2);
        assert_eq!(loaded.data, b"{\"resources\": {\"a\": 1}}");
    }
    // Versions form a history in the repo, outside refs/heads (no branch for the customer).
    let log = git(
        repo.path(),
        &["rev-list", "--count", "refs/interop/acme/base"],
    );
    assert_eq!(log.trim(), "2");
    assert!(!git(repo.path(), &["branch", "--list"]).contains("base"));
}

fn bare_remote_of(repo: &Path) -> (tempfile::TempDir, String) {
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    git(
        repo,
        &["push", "-q", remote.path().to_str().unwrap(), "main"],
    );
    let url = format!("file://{}", remote.path().display());
    (remote, url)
}

#[test]
fn push_and_fetch_over_file_urls_with_leases() {
    let repo = shop_repo();
    let (remote, url) = bare_remote_of(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let store = GitStore::open_remote(&url, cache.path(), &Credentials::None).unwrap();
    assert_eq!(store.main_branch().unwrap(), "main");
    let commit = sync(&store, "acme", &ops()).unwrap().commit.unwrap();
    let lease = RefLease {
        local: "refs/heads/interop/acme".into(),
        remote: "refs/heads/interop/acme".into(),
        expected: None,
    };
    let outcome = store
        .push(
            &url,
            std::slice::from_ref(&lease),
            &["main"],
            &Credentials::None,
        )
        .unwrap();
    assert_eq!(
        outcome.updated,
        [("refs/heads/interop/acme".to_string(), commit)]
    );
    assert_eq!(
        git(remote.path(), &["rev-parse", "interop/acme"]).trim(),
        commit.to_string()
    );

    // Pushing again with the stale "absent" lease is refused as "repo moved".
    let err = store
        .push(
            &url,
            std::slice::from_ref(&lease),
            &["main"],
            &Credentials::None,
        )
        .unwrap_err();
    assert!(err.is_repo_moved(), "{err}");

    // Someone else moves the remote branch: a push with our old lease must not clobber it.
    let other = tempfile::tempdir().unwrap();
    git(other.path(), &["clone", "-q", &url, "."]);
    git(other.path(), &["checkout", "-q", "interop/acme"]);
    std::fs::write(other.path().join("README.md"), "someone else\n").unwrap();
    git(other.path(), &["commit", "-qam", "other"]);
    git(other.path(), &["push", "-q", "origin", "interop/acme"]);
    let mut more = ops();
    more.push(ResourceOp::Set {
        resource: "model.shop.orders".into(),
        field: "config.meta.tier".into(),
        value: json!("platinum-test"),
    });
    let second = sync(&store, "acme", &more).unwrap().commit.unwrap();
    let stale = RefLease {
        expected: Some(commit),
        ..lease.clone()
    };
    let err = store
        .push(
            &url,
            std::slice::from_ref(&stale),
            &["main"],
            &Credentials::None,
        )
        .unwrap_err();
    assert!(err.is_repo_moved(), "{err}");
    assert_ne!(
        git(remote.path(), &["rev-parse", "interop/acme"]).trim(),
        second.to_string()
    );
    // After a fetch the lease is right again and the vendor's own branch is force-updated.
    store.fetch(&url, &Credentials::None).unwrap();
    let theirs = store.ref_target("refs/heads/interop/acme").unwrap();
    let second = sync(&store, "acme", &more).unwrap().commit.unwrap();
    store
        .push(
            &url,
            &[RefLease {
                expected: theirs,
                ..lease.clone()
            }],
            &["main"],
            &Credentials::None,
        )
        .unwrap();
    assert_eq!(
        git(remote.path(), &["rev-parse", "interop/acme"]).trim(),
        second.to_string()
    );

    // main is never pushed.
    let err = store
        .push(
            &url,
            &[RefLease {
                local: "refs/heads/interop/acme".into(),
                remote: "refs/heads/main".into(),
                expected: None,
            }],
            &["main"],
            &Credentials::None,
        )
        .unwrap_err();
    assert!(matches!(err, GitError::RefusedRef { .. }), "{err}");
}

#[test]
fn a_failure_just_before_the_push_leaves_the_remote_as_it_was() {
    let repo = shop_repo();
    let (remote, url) = bare_remote_of(repo.path());
    let store = GitStore::open(repo.path()).unwrap().with_step_hook(|s| {
        if s == SyncStep::Push {
            Err("network down".into())
        } else {
            Ok(())
        }
    });
    sync(&store, "acme", &ops()).unwrap();
    let before = git(remote.path(), &["show-ref"]);
    let lease = RefLease {
        local: "refs/heads/interop/acme".into(),
        remote: "refs/heads/interop/acme".into(),
        expected: None,
    };
    let err = store
        .push(&url, &[lease], &["main"], &Credentials::None)
        .unwrap_err();
    assert!(err.to_string().contains("push: network down"), "{err}");
    assert_eq!(git(remote.path(), &["show-ref"]), before);
}

#[test]
fn pull_request_text_says_what_changed() {
    use interop_sync::git::{CheckRun, DiffStats, PrInput, ResourceChange, ResourceChangeKind};
    let before = "models:\n  - name: orders\n    description: Orders\n";
    let after = "models:\n  - name: orders\n    description: One row per order\n    columns:\n      - name: id\n";
    let input = PrInput {
        vendor: "acme-bi".into(),
        branch: "interop/acme-bi".into(),
        main_branch: "main".into(),
        changes: vec![
            ResourceChange {
                resource: "metric.shop.revenue".into(),
                kind: ResourceChangeKind::Added,
                fields: vec![],
            },
            ResourceChange {
                resource: "model.shop.orders".into(),
                kind: ResourceChangeKind::Modified,
                fields: vec!["description".into(), "columns[name=id]".into()],
            },
            ResourceChange {
                resource: "metric.shop.gmv".into(),
                kind: ResourceChangeKind::Renamed {
                    from: "metric.shop.gross_revenue".into(),
                },
                fields: vec![],
            },
        ],
        stats: DiffStats::of([(Some(before), Some(after)), (None, Some("metrics: []\n"))]),
        conflicts: vec![
            "`model.shop.orders` `columns[name=status].description`: changed in the repo and in acme-bi; the repo's text is kept".into(),
        ],
        checks: vec![CheckRun {
            name: "re-read".into(),
            passed: true,
            detail: "every edited file means what the plan meant".into(),
        }],
        budget_lines: 3,
    };
    let pr = input.render();
    assert!(pr.over_budget);
    assert_eq!(
        input.stats,
        DiffStats {
            files: 2,
            insertions: 4,
            deletions: 1
        }
    );
    insta::assert_snapshot!("pr_title", pr.title);
    insta::assert_snapshot!("pr_body", pr.body);
    insta::assert_snapshot!("pr_commit_message", pr.commit_message);
}

/// A bare copy of the shop repo served by `git http-backend` behind basic auth.
fn http_remote(repo: &Path) -> (tempfile::TempDir, common::http_git::HttpGitServer, String) {
    let root = tempfile::tempdir().unwrap();
    let bare = root.path().join("shop.git");
    git(
        root.path(),
        &["init", "-q", "--bare", "-b", "main", "shop.git"],
    );
    git(repo, &["push", "-q", bare.to_str().unwrap(), "main"]);
    let server = common::http_git::HttpGitServer::start(root.path(), "interop-bot", TOKEN);
    let url = server.url("shop.git");
    (root, server, url)
}

const TOKEN: &str = "tok-3b1f9e-very-secret";

fn token(t: &str) -> Credentials {
    Credentials::Token {
        username: "interop-bot".into(),
        token: t.into(),
    }
}

#[test]
fn smart_http_with_a_token_clones_pushes_and_refuses_a_wrong_token() {
    let repo = shop_repo();
    let (root, server, url) = http_remote(repo.path());
    let cache = tempfile::tempdir().unwrap();

    // A wrong token: a clear authentication error, quickly, and the token is nowhere.
    let err = GitStore::open_remote(&url, cache.path(), &token("wrong-token")).unwrap_err();
    assert!(matches!(err, GitError::Auth { .. }), "{err}");
    assert!(
        !err.to_string().contains("wrong-token") && !format!("{err:?}").contains("wrong-token")
    );

    let store = GitStore::open_remote(&url, cache.path(), &token(TOKEN)).unwrap();
    let commit = sync(&store, "acme", &ops()).unwrap().commit.unwrap();
    let lease = RefLease {
        local: "refs/heads/interop/acme".into(),
        remote: "refs/heads/interop/acme".into(),
        expected: None,
    };
    store
        .push(&url, std::slice::from_ref(&lease), &["main"], &token(TOKEN))
        .unwrap();
    let bare = root.path().join("shop.git");
    assert_eq!(
        git(&bare, &["rev-parse", "interop/acme"]).trim(),
        commit.to_string()
    );
    // A stale lease over HTTP is "repo moved" too.
    let err = store
        .push(&url, std::slice::from_ref(&lease), &["main"], &token(TOKEN))
        .unwrap_err();
    assert!(err.is_repo_moved(), "{err}");
    // A fetch brings the remote's refs into the cache.
    store.fetch(&url, &token(TOKEN)).unwrap();
    assert_eq!(
        store.ref_target("refs/heads/interop/acme").unwrap(),
        Some(commit)
    );

    // The credentials are in no log line and nowhere in the cache's config.
    let log = server.log();
    assert!(
        log.iter().any(|l| l.contains("git-receive-pack 200")),
        "{log:#?}"
    );
    for line in &log {
        assert!(
            !line.contains(TOKEN) && !line.contains("wrong-token"),
            "{line}"
        );
    }
    let config = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path().join("config")).unwrap_or_default())
        .collect::<String>();
    assert!(
        !config.contains(TOKEN) && !config.contains("url ="),
        "{config}"
    );
}

#[test]
fn a_push_the_remote_refuses_is_a_clear_error() {
    let repo = shop_repo();
    let (root, _server, url) = http_remote(repo.path());
    let hook = root.path().join("shop.git/hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'branch protection: interop/* needs review' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let store = GitStore::open_remote(&url, cache.path(), &token(TOKEN)).unwrap();
    sync(&store, "acme", &ops()).unwrap();
    let err = store
        .push(
            &url,
            &[RefLease {
                local: "refs/heads/interop/acme".into(),
                remote: "refs/heads/interop/acme".into(),
                expected: None,
            }],
            &["main"],
            &token(TOKEN),
        )
        .unwrap_err();
    assert!(matches!(err, GitError::PushRejected { .. }), "{err}");
    assert!(err.to_string().contains("refs/heads/interop/acme"), "{err}");
}
