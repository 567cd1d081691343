//! A git smart-HTTP server for tests: `git http-backend` run as a CGI program behind HTTP basic
//! auth, on `127.0.0.1` at a free port, started and stopped by the test that owns it.
//!
//! One thread accepts connections and one thread serves each connection; every response carries
//! `Connection: close`, so a connection holds exactly one request. Request bodies are read by
//! `Content-Length` or `Transfer-Encoding: chunked` (libgit2 pushes are chunked) and handed to
//! the CGI de-chunked. The request log records method, path, status and the authenticated user
//! — never the `Authorization` header, the token, or a user name that failed to authenticate.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The CGI program serving the git smart-HTTP protocol.
pub const HTTP_BACKEND: &str = "/usr/lib/git-core/git-http-backend";

/// The realm sent in `WWW-Authenticate`.
pub const REALM: &str = "interop-test";

/// How long a connection may stay silent while its request is read.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest request line or header line accepted.
const MAX_LINE: usize = 16 * 1024;
/// The most header lines accepted in one request.
const MAX_HEADERS: usize = 100;
/// The largest request body accepted (after de-chunking).
const MAX_BODY: usize = 512 * 1024 * 1024;

/// A running smart-HTTP git server; dropping it stops the server and joins its threads.
pub struct HttpGitServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
    acceptor: Option<JoinHandle<()>>,
}

/// What every connection thread shares.
struct Shared {
    project_root: PathBuf,
    user: String,
    token: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl HttpGitServer {
    /// Serves the repositories under `project_root` (`<root>/<name>.git`) to clients that
    /// authenticate with `user` and `token`. Panics when the port cannot be bound.
    pub fn start(project_root: &Path, user: &str, token: &str) -> HttpGitServer {
        assert!(
            Path::new(HTTP_BACKEND).is_file(),
            "{HTTP_BACKEND} is missing: install git"
        );
        assert!(!user.contains(':'), "a basic-auth user cannot contain ':'");
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("the listener's address");
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            project_root: project_root.to_path_buf(),
            user: user.to_string(),
            token: token.to_string(),
            log: Arc::clone(&log),
        });
        let stop_flag = Arc::clone(&stop);
        let acceptor = std::thread::Builder::new()
            .name(format!("http-git-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, stop_flag, shared))
            .expect("spawning the accept thread");
        HttpGitServer {
            addr,
            stop,
            log,
            acceptor: Some(acceptor),
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/<repo_name>` — pass the name with its `.git`, as on disk.
    pub fn url(&self, repo_name: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.addr.port(),
            repo_name.trim_start_matches('/')
        )
    }

    /// The lines the server logged so far, oldest first: one per request
    /// (`METHOD /path?query STATUS user=NAME ...`), each followed by the CGI's stderr lines, if
    /// any, indented as `  cgi: ...`.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for HttpGitServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call; it sees the flag and returns.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5));
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: TcpListener, stop: Arc<AtomicBool>, shared: Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else { continue };
        workers.retain(|w| !w.is_finished());
        let shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("http-git-conn".to_string())
            .spawn(move || serve_connection(stream, &shared));
        if let Ok(handle) = spawned {
            workers.push(handle);
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}

/// A parsed request head.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of a header, by case-insensitive name.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The outcome of checking the `Authorization` header.
enum Auth {
    Missing,
    Wrong,
    Ok,
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let peer = stream
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|_| "127.0.0.1".to_string());
    let mut reader = BufReader::new(&stream);
    let request = match read_head(&mut reader) {
        Ok(Some(r)) => r,
        // The wake-up connection from `Drop`, or a client that hung up before a request.
        Ok(None) => return,
        Err(msg) => {
            shared.push_log(format!("- - 400 user=- error={msg}"));
            let _ = write_response(&stream, "400 Bad Request", &[], b"bad request\n");
            linger_close(&stream, &mut reader);
            return;
        }
    };
    let (path, query) = match request.target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (request.target.clone(), String::new()),
    };
    let line_start = format!("{} {}", request.method, request.target);

    match check_auth(request.header("Authorization"), &shared.user, &shared.token) {
        Auth::Ok => {}
        outcome => {
            let why = if matches!(outcome, Auth::Missing) {
                "missing"
            } else {
                "wrong"
            };
            shared.push_log(format!("{line_start} 401 user=- auth={why}"));
            let challenge = format!("Basic realm=\"{REALM}\"");
            let _ = write_response(
                &stream,
                "401 Unauthorized",
                &[
                    ("WWW-Authenticate".to_string(), challenge),
                    ("Content-Type".to_string(), "text/plain".to_string()),
                ],
                b"authentication required\n",
            );
            linger_close(&stream, &mut reader);
            return;
        }
    }

    if request
        .header("Expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        let _ = (&stream).write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let chunked = request
        .header("Transfer-Encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(&mut reader)
    } else {
        match request.header("Content-Length") {
            Some(len) => match len.trim().parse::<usize>() {
                Ok(n) if n <= MAX_BODY => {
                    let mut buf = vec![0; n];
                    reader
                        .read_exact(&mut buf)
                        .map(|_| buf)
                        .map_err(|e| format!("reading the body: {e}"))
                }
                _ => Err("bad Content-Length".to_string()),
            },
            None => Ok(Vec::new()),
        }
    };
    let body = match body {
        Ok(b) => b,
        Err(msg) => {
            shared.push_log(format!("{line_start} 400 user={} error={msg}", shared.user));
            let _ = write_response(&stream, "400 Bad Request", &[], b"bad request body\n");
            linger_close(&stream, &mut reader);
            return;
        }
    };

    let mut cgi_messages = Vec::new();
    let (status, headers, out) = match run_backend(shared, &request, &path, &query, &peer, &body) {
        Ok((response, stderr)) => {
            cgi_messages.extend(
                stderr
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(String::from),
            );
            response
        }
        Err(msg) => {
            cgi_messages.push(msg);
            (
                "500 Internal Server Error".to_string(),
                Vec::new(),
                Vec::new(),
            )
        }
    };
    let mut line = format!(
        "{line_start} {} user={} body={}",
        status.split(' ').next().unwrap_or(""),
        shared.user,
        body.len()
    );
    if chunked {
        line.push_str(" chunked");
    }
    if let Some(enc) = request.header("Content-Encoding") {
        line.push_str(&format!(" encoding={}", sanitize(enc)));
    }
    if let Some(proto) = request.header("Git-Protocol") {
        line.push_str(&format!(" protocol={}", sanitize(proto)));
    }
    shared.push_log(line);
    for message in cgi_messages {
        shared.push_log(format!("  cgi: {message}"));
    }
    let _ = write_response(&stream, &status, &headers, &out);
    linger_close(&stream, &mut reader);
}

impl Shared {
    fn push_log(&self, line: String) {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
    }
}

/// Keeps a log line on one line and printable.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect()
}

/// Reads one line (without its `\r\n` or `\n`); `None` at end of stream before any byte.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut buf = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 2)
        .read_until(b'\n', &mut buf)
        .map_err(|e| format!("reading a line: {e}"))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err("line too long or cut short".to_string());
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| "a line is not UTF-8".to_string())
}

/// Reads the request line and headers; `None` when the client sent nothing.
fn read_head(reader: &mut impl BufRead) -> Result<Option<Request>, String> {
    let Some(request_line) = read_line(reader)? else {
        return Ok(None);
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line".to_string());
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err("unsupported request line".to_string());
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or("headers cut short")?;
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err("too many headers".to_string());
        }
        let (name, value) = line.split_once(':').ok_or("malformed header")?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
    }))
}

/// Reads a `Transfer-Encoding: chunked` body, trailers included, and returns its data.
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let size_line = read_line(reader)?.ok_or("chunked body cut short")?;
        let hex = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| "bad chunk size")?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader)?.ok_or("trailers cut short")?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err("body too large".to_string());
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|e| format!("reading a chunk: {e}"))?;
        if !read_line(reader)?.ok_or("chunk cut short")?.is_empty() {
            return Err("chunk data longer than its size".to_string());
        }
    }
}

fn check_auth(header: Option<&str>, user: &str, token: &str) -> Auth {
    let Some(value) = header else {
        return Auth::Missing;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Auth::Wrong;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Auth::Wrong;
    }
    let Some(decoded) = base64_decode(encoded.trim()) else {
        return Auth::Wrong;
    };
    let expected = format!("{user}:{token}");
    if decoded == expected.as_bytes() {
        Auth::Ok
    } else {
        Auth::Wrong
    }
}

/// CGI response: status line (`200 OK`), headers, body.
type CgiResponse = (String, Vec<(String, String)>, Vec<u8>);

fn run_backend(
    shared: &Shared,
    request: &Request,
    path: &str,
    query: &str,
    peer: &str,
    body: &[u8],
) -> Result<(CgiResponse, String), String> {
    let mut cmd = Command::new(HTTP_BACKEND);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", &shared.project_root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REMOTE_USER", &shared.user)
        .env("REMOTE_ADDR", peer)
        .env("CONTENT_LENGTH", body.len().to_string())
        .current_dir(&shared.project_root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(ct) = request.header("Content-Type") {
        cmd.env("CONTENT_TYPE", ct);
    }
    if let Some(enc) = request.header("Content-Encoding") {
        cmd.env("HTTP_CONTENT_ENCODING", enc);
    }
    if let Some(proto) = request.header("Git-Protocol") {
        cmd.env("GIT_PROTOCOL", proto);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("spawning {HTTP_BACKEND}: {e}"))?;
    // Feed stdin from another thread: the backend may write output before it has read it all.
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = body.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for {HTTP_BACKEND}: {e}"))?;
    let _ = feeder.join();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match parse_cgi_output(&output.stdout) {
        Some(response) => Ok((response, stderr)),
        None => Err(format!(
            "{HTTP_BACKEND} wrote no CGI headers ({}): {}",
            output.status,
            stderr.trim()
        )),
    }
}

/// Splits CGI output into status, headers (without `Status`) and body.
fn parse_cgi_output(out: &[u8]) -> Option<CgiResponse> {
    let (head_end, body_start) = (0..out.len()).find_map(|i| {
        if out[i..].starts_with(b"\r\n\r\n") {
            Some((i, i + 4))
        } else if out[i..].starts_with(b"\n\n") {
            Some((i, i + 2))
        } else {
            None
        }
    })?;
    let head = std::str::from_utf8(&out[..head_end]).ok()?;
    let mut status = "200 OK".to_string();
    let mut headers = Vec::new();
    for line in head.lines() {
        let (name, value) = line.split_once(':')?;
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("Status") {
            status = if value.contains(' ') {
                value.to_string()
            } else {
                format!("{value} Status")
            };
        } else {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    Some((status, headers, out[body_start..].to_vec()))
}

/// Writes a whole response with `Content-Length` and `Connection: close`; the CGI's own framing
/// headers are dropped.
fn write_response(
    mut stream: &TcpStream,
    status: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        let framing = ["Content-Length", "Transfer-Encoding", "Connection"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
        if !framing {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// Ends the response, then reads whatever the client still sends (a body we did not read) until
/// it closes, so that closing the socket does not reset the connection under the response.
fn linger_close(stream: &TcpStream, reader: &mut impl Read) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut sink = [0u8; 8192];
    while Instant::now() < deadline {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64_ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64. Padding is optional, but when present it must complete the last
/// group of four; `None` on a character outside the alphabet, a bad length or stray low bits.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.trim_end_matches('=');
    if text.len() - digits.len() > 2 || digits.len() % 4 == 1 {
        return None;
    }
    if text.len() != digits.len() && !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in digits.bytes() {
        let v = BASE64_ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero in canonical encoding.
    if acc != 0 {
        return None;
    }
    Some(out)
}

/// The `Authorization` header value for `user` and `token`: `Basic base64(user:token)`.
pub fn basic_auth(user: &str, token: &str) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{user}:{token}").as_bytes())
    )
}
