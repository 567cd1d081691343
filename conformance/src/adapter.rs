//! Adapters: how the runner talks to a vendor's integration. [`Adapter`] is one running
//! integration (one per scenario, so scenarios never share state); [`AdapterFactory`] starts
//! them. [`StdioAdapter`] speaks the JSON-lines protocol with a child process, so an
//! integration in any language can be certified; [`crate::reference::ReferenceAdapter`] is
//! Interop's own integration, in process.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::protocol::{Op, Request, Response};

/// Why the runner could not get an answer from an adapter.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// The adapter could not be started.
    #[error("starting the adapter `{command}`: {source}")]
    Start {
        /// The command.
        command: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The adapter's process ended, or its pipes broke.
    #[error("the adapter stopped answering during `{op}`: {detail}{}", stderr_tail(.stderr))]
    Gone {
        /// The request's op.
        op: String,
        /// What happened.
        detail: String,
        /// The end of its stderr.
        stderr: String,
    },
    /// The adapter answered something that is not a protocol response.
    #[error("the adapter's answer to `{op}` is not a protocol response ({detail}): {line}")]
    Garbled {
        /// The request's op.
        op: String,
        /// The parse error.
        detail: String,
        /// The line (cut).
        line: String,
    },
}

fn stderr_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.is_empty() {
        String::new()
    } else {
        let tail = &lines[lines.len().saturating_sub(8)..];
        format!("; its stderr ends with:\n{}", tail.join("\n"))
    }
}

/// One running integration.
pub trait Adapter {
    /// Sends one request and waits for its response.
    fn call(&mut self, request: &Request) -> Result<Response, AdapterError>;
}

/// Starts integrations, one per scenario.
pub trait AdapterFactory {
    /// A new, fresh integration.
    fn start(&self) -> Result<Box<dyn Adapter>, AdapterError>;

    /// What the report calls it.
    fn describe(&self) -> String;
}

/// Starts `command` (run by `sh -c`) for every scenario and speaks JSON lines with it.
#[derive(Debug, Clone)]
pub struct StdioFactory {
    /// The shell command.
    pub command: String,
}

impl AdapterFactory for StdioFactory {
    fn start(&self) -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(StdioAdapter::spawn(&self.command)?))
    }

    fn describe(&self) -> String {
        self.command.clone()
    }
}

/// A child process speaking the protocol.
pub struct StdioAdapter {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<String>>,
}

impl StdioAdapter {
    /// Starts `command` with `sh -c`.
    pub fn spawn(command: &str) -> Result<Self, AdapterError> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| AdapterError::Start {
                command: command.into(),
                source,
            })?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut err) = child.stderr.take() {
            let sink = stderr.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut s) = sink.lock() {
                        s.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        Ok(StdioAdapter {
            child,
            stdin,
            stdout,
            stderr,
        })
    }

    fn stderr(&self) -> String {
        // Give the reader thread a moment to drain what a dying process wrote.
        std::thread::sleep(std::time::Duration::from_millis(50));
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Adapter for StdioAdapter {
    fn call(&mut self, request: &Request) -> Result<Response, AdapterError> {
        let op = request.op.name().to_string();
        let line = serde_json::to_string(request).expect("requests serialize");
        let gone = |this: &Self, detail: String| AdapterError::Gone {
            op: op.clone(),
            detail,
            stderr: this.stderr(),
        };
        let written = match self.stdin.as_mut() {
            Some(stdin) => writeln!(stdin, "{line}").and_then(|_| stdin.flush()),
            None => Err(std::io::Error::other("stdin closed")),
        };
        if let Err(e) = written {
            return Err(gone(self, format!("writing the request: {e}")));
        }
        let mut answer = String::new();
        loop {
            answer.clear();
            match self.stdout.read_line(&mut answer) {
                Ok(0) => {
                    let status = self
                        .child
                        .try_wait()
                        .ok()
                        .flatten()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default();
                    return Err(gone(self, format!("its stdout closed{status}")));
                }
                Ok(_) if answer.trim().is_empty() => continue,
                Ok(_) => break,
                Err(e) => return Err(gone(self, format!("reading its stdout: {e}"))),
            }
        }
        let response: Response =
            serde_json::from_str(answer.trim()).map_err(|e| AdapterError::Garbled {
                op: op.clone(),
                detail: e.to_string(),
                line: answer.trim().chars().take(300).collect(),
            })?;
        if response.seq != request.seq {
            return Err(AdapterError::Garbled {
                op,
                detail: format!("seq {} answers request {}", response.seq, request.seq),
                line: answer.trim().chars().take(300).collect(),
            });
        }
        Ok(response)
    }
}

impl Drop for StdioAdapter {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let shutdown = Request {
                seq: u64::MAX,
                op: Op::Shutdown,
            };
            let _ = writeln!(
                stdin,
                "{}",
                serde_json::to_string(&shutdown).expect("requests serialize")
            );
        }
        // Closed stdin ends a well-behaved adapter; one that lingers is stopped.
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves the protocol on stdin/stdout with `handle` answering each request: the loop of a
/// stdio adapter written in Rust. Returns at `shutdown` or when stdin closes.
pub fn serve(mut handle: impl FnMut(&Request) -> Response) -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let response = match serde_json::from_str::<Request>(&line) {
            Ok(request) => {
                let response = handle(&request);
                if request.op == Op::Shutdown {
                    writeln!(stdout, "{}", serde_json::to_string(&response)?)?;
                    stdout.flush()?;
                    return Ok(());
                }
                response
            }
            Err(e) => Response::error(
                serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64))
                    .unwrap_or(0),
                crate::protocol::ErrorKind::Input,
                format!("not a request: {e}"),
            ),
        };
        writeln!(stdout, "{}", serde_json::to_string(&response)?)?;
        stdout.flush()?;
    }
    Ok(())
}
