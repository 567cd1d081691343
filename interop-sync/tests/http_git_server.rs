//! The smart-HTTP test server (`common::http_git`) works with real clients: the git CLI and
//! git2 clone and push through it with basic auth, a wrong token fails with an auth error in
//! bounded time, and the request log never holds the token.

mod common;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::http_git::{HttpGitServer, base64_decode, base64_encode, basic_auth};

const USER: &str = "interop-bot";
const TOKEN: &str = "tok-9c1e-s3cr3t-77ab";

/// Runs git in `dir` isolated from the machine's config and unable to prompt; `extra` adds
/// environment variables. Panics when git cannot be started.
fn git_output(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("running git")
}

/// Runs git and panics with its output unless it succeeds; returns stdout, trimmed.
fn git(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> String {
    let out = git_output(dir, args, extra);
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Environment giving git an `http.extraHeader` with basic auth for `user`/`token`.
fn auth_env(user: &str, token: &str) -> [(&'static str, String); 3] {
    [
        ("GIT_CONFIG_COUNT", "1".to_string()),
        ("GIT_CONFIG_KEY_0", "http.extraHeader".to_string()),
        (
            "GIT_CONFIG_VALUE_0",
            format!("Authorization: {}", basic_auth(user, token)),
        ),
    ]
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Creates the bare repository `<root>/<name>` with `main` as its default branch.
fn init_bare(root: &Path, name: &str) {
    git(root, &["init", "-q", "--bare", "-b", "main", name], &[]);
}

/// A work repository at `dir` with one commit on `main` holding `models/a.sql`.
fn work_repo(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::write(dir.join("models/a.sql"), "select 1 as id\n").unwrap();
    git(dir, &["init", "-q", "-b", "main"], &[]);
    git(dir, &["add", "-A"], &[]);
    git(dir, &["commit", "-q", "-m", "first"], &[]);
    git(dir, &["rev-parse", "HEAD"], &[])
}

/// The token, and the base64 credential carrying it, appear in no log line.
fn assert_log_has_no_secret(server: &HttpGitServer) {
    let encoded = base64_encode(format!("{USER}:{TOKEN}").as_bytes());
    for line in server.log() {
        assert!(!line.contains(TOKEN), "token in log line: {line}");
        assert!(!line.contains(&encoded), "credential in log line: {line}");
        assert!(
            !line.to_ascii_lowercase().contains("authorization"),
            "auth header in log line: {line}"
        );
    }
}

/// Sends raw bytes and returns the whole response (the server closes the connection).
fn raw_request(server: &HttpGitServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

fn git2_callbacks<'a>(
    token: &'a str,
    calls: &'a Cell<u32>,
    give_up_after_one: bool,
) -> git2::RemoteCallbacks<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.credentials(move |_url, _user_from_url, allowed| {
        calls.set(calls.get() + 1);
        assert!(allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT));
        if give_up_after_one && calls.get() > 1 {
            return Err(git2::Error::new(
                git2::ErrorCode::Auth,
                git2::ErrorClass::Http,
                "the server rejected the credentials",
            ));
        }
        git2::Cred::userpass_plaintext(USER, token)
    });
    callbacks
}

fn git2_clone(
    url: &str,
    into: &Path,
    token: &str,
    calls: &Cell<u32>,
) -> Result<git2::Repository, git2::Error> {
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(git2_callbacks(token, calls, true));
    git2::build::RepoBuilder::new()
        .fetch_options(fetch)
        .clone(url, into)
}

#[test]
fn base64_matches_the_rfc_vectors_and_rejects_garbage() {
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in vectors {
        assert_eq!(base64_encode(plain.as_bytes()), encoded);
        assert_eq!(base64_decode(encoded).as_deref(), Some(plain.as_bytes()));
    }
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(base64_decode(&base64_encode(&all)), Some(all));
    assert_eq!(base64_decode("Zm8").as_deref(), Some(&b"fo"[..]));
    for bad in ["Z", "Zg=", "Zh==", "Zm9v!", "Zm9v====", "Zm 9v"] {
        assert_eq!(base64_decode(bad), None, "{bad}");
    }
}

#[test]
fn requests_without_valid_credentials_get_a_basic_challenge() {
    let root = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    let server = HttpGitServer::start(root.path(), USER, TOKEN);
    let get = |auth: Option<String>| {
        let header = auth
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        raw_request(
            &server,
            format!(
                "GET /repo.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: x\r\n{header}\r\n"
            )
            .as_bytes(),
        )
    };

    let missing = get(None);
    assert!(missing.starts_with("HTTP/1.1 401 "), "{missing}");
    assert!(
        missing.contains("\r\nWWW-Authenticate: Basic realm=\"interop-test\"\r\n"),
        "{missing}"
    );
    let wrong = get(Some(basic_auth(USER, "not-the-token")));
    assert!(wrong.starts_with("HTTP/1.1 401 "), "{wrong}");
    let wrong_user = get(Some(basic_auth("someone", TOKEN)));
    assert!(wrong_user.starts_with("HTTP/1.1 401 "), "{wrong_user}");
    let not_basic = get(Some(format!("Bearer {TOKEN}")));
    assert!(not_basic.starts_with("HTTP/1.1 401 "), "{not_basic}");

    let ok = get(Some(basic_auth(USER, TOKEN)));
    assert!(ok.starts_with("HTTP/1.1 200 "), "{ok}");
    assert!(
        ok.contains("Content-Type: application/x-git-upload-pack-advertisement"),
        "{ok}"
    );
    assert!(ok.contains("Connection: close"), "{ok}");
    assert!(ok.contains("# service=git-upload-pack"), "{ok}");

    let absent = raw_request(
        &server,
        format!(
            "GET /nope.git/info/refs?service=git-upload-pack HTTP/1.1\r\nAuthorization: {}\r\n\r\n",
            basic_auth(USER, TOKEN)
        )
        .as_bytes(),
    );
    assert!(absent.starts_with("HTTP/1.1 404 "), "{absent}");

    let log = server.log();
    let requests: Vec<&String> = log.iter().filter(|l| !l.starts_with("  ")).collect();
    assert_eq!(requests.len(), 6, "{log:#?}");
    assert!(
        requests[0].ends_with(" 401 user=- auth=missing"),
        "{log:#?}"
    );
    assert!(requests[1].ends_with(" 401 user=- auth=wrong"), "{log:#?}");
    // A user name that failed to authenticate is not logged (it could be a token).
    assert!(!requests[2].contains("someone"), "{log:#?}");
    assert!(requests[4].contains(" 200 user=interop-bot"), "{log:#?}");
    assert!(requests[5].contains(" 404 user=interop-bot"), "{log:#?}");
    assert_log_has_no_secret(&server);
}

#[test]
fn a_chunked_post_with_extensions_and_trailers_reaches_the_backend_de_chunked() {
    let root = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    let server = HttpGitServer::start(root.path(), USER, TOKEN);
    // An upload-pack request with no wants: a lone flush packet, split over two chunks.
    let response = raw_request(
        &server,
        format!(
            "POST /repo.git/git-upload-pack HTTP/1.1\r\nAuthorization: {}\r\n\
             Content-Type: application/x-git-upload-pack-request\r\n\
             Transfer-Encoding: chunked\r\n\r\n\
             2;ext=1\r\n00\r\n2\r\n00\r\n0\r\nX-Trailer: y\r\n\r\n",
            basic_auth(USER, TOKEN)
        )
        .as_bytes(),
    );
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
    assert!(
        response.contains("Content-Type: application/x-git-upload-pack-result"),
        "{response}"
    );
    let log = server.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /repo.git/git-upload-pack 200 ")
                && l.contains(" body=4 chunked")),
        "{log:#?}"
    );
}

#[test]
fn git_cli_pushes_and_clones_back_through_basic_auth() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    let head = work_repo(work.path());
    let server = HttpGitServer::start(root.path(), USER, TOKEN);
    let url = server.url("repo.git");
    let env = auth_env(USER, TOKEN);

    git(work.path(), &["push", "-q", &url, "main"], &env_refs(&env));
    let pushed = git(
        root.path(),
        &["--git-dir", "repo.git", "rev-parse", "refs/heads/main"],
        &[],
    );
    assert_eq!(pushed, head);

    let clone = work.path().join("clone");
    let clone_str = clone.to_str().unwrap();
    git(
        work.path(),
        &["clone", "-q", &url, clone_str],
        &env_refs(&env),
    );
    assert_eq!(git(&clone, &["rev-parse", "HEAD"], &[]), head);
    assert_eq!(
        std::fs::read_to_string(clone.join("models/a.sql")).unwrap(),
        "select 1 as id\n"
    );

    let log = server.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /repo.git/git-receive-pack 200 user=interop-bot")),
        "{log:#?}"
    );
    // The CLI fetches with protocol v2, passed to the backend through GIT_PROTOCOL.
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /repo.git/git-upload-pack 200 ")
                && l.contains("protocol=version=2")),
        "{log:#?}"
    );
    assert_log_has_no_secret(&server);
}

#[test]
fn git_cli_with_a_wrong_token_fails_without_prompting() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    let server = HttpGitServer::start(root.path(), USER, TOKEN);
    let env = auth_env(USER, "wrong-token");
    let started = Instant::now();
    let out = git_output(
        work.path(),
        &["clone", "-q", &server.url("repo.git"), "clone"],
        &env_refs(&env),
    );
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Authentication failed") || stderr.contains("terminal prompts disabled"),
        "{stderr}"
    );
    assert!(
        server.log().iter().all(|l| !l.contains(" 200 ")),
        "{:#?}",
        server.log()
    );
    assert_log_has_no_secret(&server);
}

#[test]
fn git2_clones_and_pushes_a_branch_through_basic_auth() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    let seed = work.path().join("seed");
    let head = work_repo(&seed);
    let bare = root.path().join("repo.git");
    git(&seed, &["push", "-q", bare.to_str().unwrap(), "main"], &[]);
    let server = HttpGitServer::start(root.path(), USER, TOKEN);
    let url = server.url("repo.git");

    let calls = Cell::new(0);
    let repo = git2_clone(&url, &work.path().join("clone"), TOKEN, &calls).unwrap();
    assert_eq!(calls.get(), 1, "one credential prompt after the first 401");
    assert_eq!(repo.head().unwrap().target().unwrap().to_string(), head);
    let workdir = repo.workdir().unwrap().to_path_buf();
    assert_eq!(
        std::fs::read_to_string(workdir.join("models/a.sql")).unwrap(),
        "select 1 as id\n"
    );

    // A new commit on branch x, pushed.
    std::fs::write(workdir.join("models/b.sql"), "select 2 as id\n").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("models/b.sql")).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = repo.head().unwrap().peel_to_commit().unwrap();
    let sig = git2::Signature::now("t", "t@example.com").unwrap();
    let commit = repo
        .commit(None, &sig, &sig, "second", &tree, &[&parent])
        .unwrap();
    repo.branch("x", &repo.find_commit(commit).unwrap(), false)
        .unwrap();

    let push_calls = Cell::new(0);
    let updates: RefCell<Vec<(String, Option<String>)>> = RefCell::new(Vec::new());
    let mut callbacks = git2_callbacks(TOKEN, &push_calls, true);
    callbacks.push_update_reference(|refname, status| {
        updates
            .borrow_mut()
            .push((refname.to_string(), status.map(str::to_string)));
        Ok(())
    });
    let mut options = git2::PushOptions::new();
    options.remote_callbacks(callbacks);
    let mut remote = repo.find_remote("origin").unwrap();
    remote
        .push(&["refs/heads/x:refs/heads/x"], Some(&mut options))
        .unwrap();
    drop(options);
    assert_eq!(
        updates.into_inner(),
        vec![("refs/heads/x".to_string(), None)],
        "the server accepted the update"
    );
    assert_eq!(push_calls.get(), 1);
    let on_server = git(
        root.path(),
        &["--git-dir", "repo.git", "rev-parse", "refs/heads/x"],
        &[],
    );
    assert_eq!(on_server, commit.to_string());

    let log = server.log();
    // libgit2 asks without credentials first, then retries with them; its push body is chunked.
    assert!(
        log[0]
            .starts_with("GET /repo.git/info/refs?service=git-upload-pack 401 user=- auth=missing"),
        "{log:#?}"
    );
    assert!(
        log.iter().any(
            |l| l.starts_with("POST /repo.git/git-receive-pack 200 user=interop-bot")
                && l.ends_with(" chunked")
        ),
        "{log:#?}"
    );
    assert_log_has_no_secret(&server);
}

#[test]
fn git2_with_a_wrong_token_fails_with_an_auth_error() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    let server = HttpGitServer::start(root.path(), USER, TOKEN);

    let calls = Cell::new(0);
    let started = Instant::now();
    let err = git2_clone(
        &server.url("repo.git"),
        &work.path().join("clone"),
        "wrong-token",
        &calls,
    )
    .err()
    .expect("a wrong token cannot clone");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(err.code(), git2::ErrorCode::Auth, "{err}");
    assert_eq!(calls.get(), 2, "asked once, then gave up on the second 401");
    let log = server.log();
    assert_eq!(log.len(), 2, "{log:#?}");
    assert!(log[0].ends_with(" 401 user=- auth=missing"), "{log:#?}");
    assert!(log[1].ends_with(" 401 user=- auth=wrong"), "{log:#?}");
    assert_log_has_no_secret(&server);
}

#[test]
fn git2_stops_replaying_a_callback_that_never_gives_up() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    let server = HttpGitServer::start(root.path(), USER, TOKEN);

    let calls = Cell::new(0);
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(git2_callbacks("wrong-token", &calls, false));
    let started = Instant::now();
    let err = git2::build::RepoBuilder::new()
        .fetch_options(fetch)
        .clone(&server.url("repo.git"), &work.path().join("clone"))
        .err()
        .expect("a wrong token cannot clone");
    assert!(started.elapsed() < Duration::from_secs(30));
    // libgit2 gives up by itself after its replay limit, with a generic HTTP-class error.
    assert_eq!(err.class(), git2::ErrorClass::Http, "{err}");
    assert!(err.message().contains("authentication replays"), "{err}");
    let requests = server.log().len() as u32;
    assert_eq!(
        calls.get(),
        requests,
        "one prompt per 401: {:#?}",
        server.log()
    );
    assert!(requests <= 20, "{requests} requests");
    assert_log_has_no_secret(&server);
}

#[test]
fn git_cli_chunked_push_and_gzipped_fetch_reach_the_backend() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    init_bare(root.path(), "repo.git");
    work_repo(work.path());
    // 2 MiB of incompressible bytes: more than git's 1 MiB http.postBuffer, so the CLI streams
    // the pack in chunks.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..2 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(work.path().join("seeds.bin"), &noise).unwrap();
    git(work.path(), &["add", "-A"], &[]);
    git(work.path(), &["commit", "-q", "-m", "big"], &[]);
    // 40 branches, each on its own commit: enough wants for the CLI to gzip its fetch request.
    for i in 0..40 {
        git(
            work.path(),
            &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")],
            &[],
        );
        git(work.path(), &["branch", &format!("b{i}")], &[]);
    }
    let server = HttpGitServer::start(root.path(), USER, TOKEN);
    let url = server.url("repo.git");
    let env = auth_env(USER, TOKEN);
    git(
        work.path(),
        &["push", "-q", &url, "refs/heads/*:refs/heads/*"],
        &env_refs(&env),
    );
    let clone = work.path().join("clone");
    git(
        work.path(),
        &[
            "clone",
            "-q",
            "--no-checkout",
            &url,
            clone.to_str().unwrap(),
        ],
        &env_refs(&env),
    );
    assert_eq!(
        git(&clone, &["rev-parse", "origin/b39"], &[]),
        git(work.path(), &["rev-parse", "b39"], &[])
    );

    let log = server.log();
    assert!(
        log.iter().any(
            |l| l.starts_with("POST /repo.git/git-receive-pack 200 ") && l.contains(" chunked")
        ),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /repo.git/git-upload-pack 200 ")
                && l.contains(" encoding=gzip")),
        "{log:#?}"
    );
    assert_log_has_no_secret(&server);
}
