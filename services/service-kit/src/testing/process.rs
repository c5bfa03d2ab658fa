//! A service binary run as its own process, the way an image runs it: configured only by its
//! environment, logging JSON to stdout, which the test keeps and reads.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Instant,
};

use serde_json::Value;

use super::PATIENCE;

/// The running process, killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts `binary` with exactly `env` (plus JSON logs on a free loopback port) and waits
    /// for the log line `listening` that names its address.
    ///
    /// # Panics
    ///
    /// If it cannot start, exits, or does not listen within [`PATIENCE`].
    pub fn start(binary: &str, env: &[(&str, String)], listening: &str) -> Self {
        let mut child = Command::new(binary)
            .env_clear()
            .envs([
                ("PORT", "0"),
                ("BIND_ADDRESS", "127.0.0.1"),
                ("LOG_FORMAT", "json"),
                ("RUST_LOG", "info"),
            ])
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {binary}: {error}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                kept.lock().expect("not poisoned").push(line);
            }
        });
        let deadline = Instant::now() + PATIENCE;
        let address = loop {
            let found = lines.lock().expect("not poisoned").iter().find_map(|line| {
                let entry: Value = serde_json::from_str(line).ok()?;
                (entry["message"] == listening).then(|| entry["address"].as_str()?.parse().ok())?
            });
            if let Some(address) = found {
                break address;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{binary} exited ({status}) before listening");
            }
            assert!(Instant::now() < deadline, "{binary} did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        Self {
            child,
            address,
            lines,
        }
    }

    /// `http://<address><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends SIGTERM, as an orchestrator stopping the pod does.
    ///
    /// # Panics
    ///
    /// If `kill` cannot be run.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM could not be sent");
    }

    /// Waits at most `within` for the process to exit; its status, or `None` if still running.
    pub fn wait_exit(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Every line logged so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("not poisoned").clone()
    }
}
