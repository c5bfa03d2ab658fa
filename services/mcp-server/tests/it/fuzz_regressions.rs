//! The fuzz targets' inputs replayed in the normal test run: every input that once crashed a
//! target (`tests/fuzz_regressions/<target>/`, kept after the fix) and every seed
//! (`fuzz/seeds/<target>/`), through the same functions as the targets (`fuzz/src/lib.rs`,
//! included below). No input may panic; `http_request` inputs also go to a real server, where
//! no answer may be a 500.
//!
//! Files whose names start with `.` (such as `.gitkeep`) are not inputs.

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    time::Duration,
};

use bytes::Bytes;
use futures::FutureExt;

use crate::helpers::spawn_app_with;

#[path = "../../../../fuzz/src/lib.rs"]
mod harness;

const TARGETS: [&str; 6] = [
    "jsonrpc",
    "event_id",
    "request_state",
    "headers",
    "jwt",
    "http_request",
];

/// The files of `dir` that are inputs, sorted; fails if `dir` is missing.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{} cannot be read: {error}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .filter(|path| {
            !path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Every input of `target`: its crash inputs (the directory must exist, and may hold none yet)
/// and its seeds (at least one), with their paths.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let crashes = files_in(&manifest.join("tests/fuzz_regressions").join(target));
    let seeds = files_in(&manifest.join("../../fuzz/seeds").join(target));
    assert!(
        !seeds.is_empty(),
        "fuzz/seeds/{target}/ has no seeds: the replay would test nothing"
    );
    crashes
        .into_iter()
        .chain(seeds)
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Feeds every input of `target` to `run`; fails naming every input that panicked.
fn replay(target: &str, run: fn(&[u8])) {
    let failed: Vec<String> = inputs(target)
        .into_iter()
        .filter(|(_, bytes)| catch_unwind(|| run(bytes)).is_err())
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: panicked on {failed:#?}");
}

#[test]
fn every_target_has_its_directories() {
    for target in TARGETS {
        assert!(!inputs(target).is_empty(), "{target}");
    }
}

#[test]
fn jsonrpc_inputs_do_not_panic() {
    replay("jsonrpc", harness::jsonrpc);
}

#[test]
fn event_id_inputs_do_not_panic() {
    replay("event_id", harness::event_id);
}

#[test]
fn request_state_inputs_do_not_panic() {
    replay("request_state", harness::request_state);
}

#[test]
fn headers_inputs_do_not_panic() {
    replay("headers", harness::headers);
}

#[test]
fn jwt_inputs_do_not_panic() {
    replay("jwt", harness::jwt);
}

#[test]
fn http_request_inputs_do_not_panic_in_memory() {
    replay("http_request", harness::http_request);
}

/// Reads at most [`harness::MAX_BODY_READ`] bytes of a body, for at most two seconds (an SSE
/// answer may stay open).
async fn read_bounded(mut response: reqwest::Response) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let mut read = 0;
        while let Ok(Some(chunk)) = response.chunk().await {
            read += chunk.len();
            if read > harness::MAX_BODY_READ {
                break;
            }
        }
    })
    .await;
}

#[tokio::test]
async fn http_request_inputs_get_no_500_from_a_real_server() {
    let app = spawn_app_with(harness::HTTP_SERVER_SETTINGS).await;
    let send = async |request: http::Request<Bytes>| {
        let (parts, body) = request.into_parts();
        let response = app
            .client
            .post(&app.url)
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .expect("the server answers");
        let answer = harness::Answer {
            status: response.status().as_u16(),
            session: response
                .headers()
                .get("mcp-session-id")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        };
        read_bounded(response).await;
        answer
    };
    let mut failed = Vec::new();
    for (path, bytes) in inputs("http_request") {
        let outcome = AssertUnwindSafe(harness::http_request_with(&bytes, &send))
            .catch_unwind()
            .await;
        if outcome.is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "http_request: failed on {failed:#?}");
}
