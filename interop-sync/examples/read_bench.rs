//! Measures reading a project, for `scripts/bench`.
//!
//! `read_bench generate DIR MODELS` writes a synthetic project and commits it (git);
//! `read_bench measure REPO` reads HEAD cold (a fresh reader in a fresh process), then again
//! with the same reader (warm), and prints one JSON line with the timings and the peak RSS.

use std::path::Path;
use std::time::Instant;

use interop_sync::read::{GitTreeSource, Reader};
use interop_sync::synth::{SynthOptions, generate};

/// The allocator the `interop` CLI ships with, so that the figures are the CLI's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") => {
            let dir = Path::new(&args[2]);
            let models: usize = args[3].parse().expect("MODELS");
            let options = SynthOptions {
                name: "bench".into(),
                models,
                sources: (models / 50).max(2),
                semantic_models: (models / 100).max(1),
                metrics_per_semantic_model: 3,
                seed: 42,
            };
            generate(&options).write_to(dir).expect("write");
            let git = |a: &[&str]| {
                let ok = std::process::Command::new("git")
                    // No automatic gc racing the explicit one below.
                    .args(["-c", "gc.auto=0"])
                    .args(a)
                    .current_dir(dir)
                    .env("GIT_AUTHOR_NAME", "bench")
                    .env("GIT_AUTHOR_EMAIL", "bench@example.com")
                    .env("GIT_COMMITTER_NAME", "bench")
                    .env("GIT_COMMITTER_EMAIL", "bench@example.com")
                    .status()
                    .expect("git")
                    .success();
                assert!(ok, "git {a:?}");
            };
            git(&["init", "-q", "-b", "main"]);
            git(&["add", "-A"]);
            git(&["commit", "-q", "-m", "generated"]);
            git(&["gc", "-q"]);
        }
        Some("measure") => {
            let repo = Path::new(&args[2]);
            let reader = Reader::default();
            let start = Instant::now();
            let source = GitTreeSource::open(repo, "HEAD").expect("open");
            let project = reader.read_shared(&source).expect("read");
            let cold = start.elapsed();
            // The peak of reading once: the parsed-blob cache and one project.
            let cold_peak = peak_rss_mib();
            let start = Instant::now();
            let again = reader
                .read(&GitTreeSource::open(repo, "HEAD").expect("open"))
                .expect("read");
            let warm = start.elapsed();
            // What a sync that only needs to look at the project pays for the same commit.
            let start = Instant::now();
            let shared = reader
                .read_shared(&GitTreeSource::open(repo, "HEAD").expect("open"))
                .expect("read");
            let warm_shared = start.elapsed();
            assert_eq!(project.resources.len(), again.resources.len());
            assert_eq!(project.resources.len(), shared.resources.len());
            let models = project
                .resources
                .iter()
                .filter(|r| r.kind == interop_sync::model::ResourceKind::Model)
                .count();
            println!(
                "{{\"models\": {models}, \"resources\": {}, \"errors\": {}, \"cold_ms\": {:.1}, \"warm_ms\": {:.1}, \"warm_shared_ms\": {:.1}, \"peak_rss_mib\": {:.1}}}",
                project.resources.len(),
                project.errors.len(),
                cold.as_secs_f64() * 1000.0,
                warm.as_secs_f64() * 1000.0,
                warm_shared.as_secs_f64() * 1000.0,
                cold_peak
            );
        }
        Some("dump") => {
            // The whole project as JSON, to compare two builds of the reader.
            let reader = Reader::default();
            let p = Path::new(&args[2]);
            let project = if p.join(".git").exists() && args.get(3).is_none() {
                reader.read(&GitTreeSource::open(p, "HEAD").expect("open"))
            } else {
                reader.read(&interop_sync::read::FolderSource::new(p))
            }
            .expect("read");
            println!("{}", serde_json::to_string_pretty(&project).expect("json"));
        }
        _ => eprintln!("usage: read_bench generate DIR MODELS | read_bench measure REPO"),
    }
}

/// Peak resident set size of this process (Linux `VmHWM`).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
