//! A private `redis-server` (or cluster) on free loopback ports, stopped when dropped, so tests
//! that need Redis are hermetic and can run in parallel.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running `redis-server` owned by one test.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    extra: Vec<String>,
    /// The data directory of a persistent server, removed on drop.
    dir: Option<std::path::PathBuf>,
}

/// A free loopback port whose cluster bus port (+10000) is free too.
fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free loopback port");
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

impl RedisServer {
    /// Starts a server that keeps nothing on disk and waits until it answers.
    ///
    /// # Panics
    ///
    /// If `redis-server` is not installed or does not start within ten seconds: the test
    /// cannot run, and says why.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server that writes every command to its append-only file before answering
    /// (`appendfsync always`), so [`stop`](Self::stop) (a kill) and [`restart`](Self::restart)
    /// lose nothing that was acknowledged.
    pub fn start_persistent() -> Self {
        let dir = std::env::temp_dir().join(format!("redis-data-{}", rand_suffix()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let dir_arg = dir.to_str().expect("a UTF-8 path");
        let mut server = Self::start_with(&[
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            dir_arg,
        ]);
        server.dir = Some(dir);
        server
    }

    fn start_with(extra: &[&str]) -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
            extra: extra.iter().map(|arg| (*arg).to_owned()).collect(),
            dir: None,
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let port = self.port;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start redis-server ({error}): install it (the test command does, via apt, when run as root)")
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL: no chance to save anything more) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port with the same settings (and, for a persistent
    /// one, the same data).
    ///
    /// # Panics
    ///
    /// If it is still running, or does not start.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop the server before restarting it");
        self.launch();
    }

    /// The URL to connect to.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A private Redis Cluster of three masters (no replicas) on loopback, stopped when dropped.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
    dir: std::path::PathBuf,
}

impl RedisCluster {
    /// Starts three cluster-enabled servers, joins them with `redis-cli --cluster create`, and
    /// waits until the cluster reports `cluster_state:ok`.
    ///
    /// # Panics
    ///
    /// If `redis-server` or `redis-cli` is missing, or the cluster does not form in time.
    pub fn start() -> Self {
        Self::start_with_replicas(0)
    }

    /// Starts three masters with `replicas` replicas each (joined with `--cluster-replicas`),
    /// and waits until the cluster is formed and every replica has synchronized.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn start_with_replicas(replicas: usize) -> Self {
        let dir = std::env::temp_dir().join(format!("redis-cluster-{}", rand_suffix()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let nodes: Vec<RedisServer> = (0..3 * (1 + replicas))
            .map(|i| {
                let config = dir.join(format!("nodes-{i}.conf"));
                RedisServer::start_with(&[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    config.to_str().expect("a UTF-8 path"),
                    "--cluster-node-timeout",
                    "2000",
                    // A replica's first sync writes a snapshot: into the cluster's own directory.
                    "--dir",
                    dir.to_str().expect("a UTF-8 path"),
                ])
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|error| panic!("cannot run redis-cli ({error})"));
        assert!(created.success(), "redis-cli --cluster create failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        for node in &nodes {
            loop {
                let info = Command::new("redis-cli")
                    .args(["-p", &node.port.to_string(), "cluster", "info"])
                    .output()
                    .expect("redis-cli runs");
                let synchronized = replicas == 0 || {
                    let replication = Command::new("redis-cli")
                        .args(["-p", &node.port.to_string(), "info", "replication"])
                        .output()
                        .expect("redis-cli runs");
                    let replication = String::from_utf8_lossy(&replication.stdout);
                    replication.contains("role:master")
                        && replication.contains(&format!("connected_slaves:{replicas}"))
                        || replication.contains("master_link_status:up")
                };
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok")
                    && synchronized
                {
                    break;
                }
                assert!(Instant::now() < deadline, "the cluster did not form");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Self { nodes, dir }
    }

    /// Kills the master serving `key` (SIGKILL) and waits until one of its replicas has taken
    /// over its slots. Returns the killed node's port.
    ///
    /// # Panics
    ///
    /// If no replica takes over within twenty seconds.
    pub fn fail_over_master_of(&mut self, key: &str) -> u16 {
        let cli = |port: u16, args: &[&str]| {
            let output = Command::new("redis-cli")
                .arg("-p")
                .arg(port.to_string())
                .args(args)
                .output()
                .expect("redis-cli runs");
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        };
        let any = self.nodes[0].port;
        let slot: u16 = cli(any, &["cluster", "keyslot", key])
            .parse()
            .expect("a slot number");
        let master_of_slot = |from: u16| -> Option<u16> {
            cli(from, &["cluster", "nodes"]).lines().find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let serves = fields.get(8..)?.iter().any(|range| {
                    let (low, high) = range.split_once('-').unwrap_or((range, range));
                    matches!((low.parse::<u16>(), high.parse::<u16>()), (Ok(low), Ok(high)) if (low..=high).contains(&slot))
                });
                let healthy = fields.get(2)?.contains("master") && !fields.get(2)?.contains("fail");
                (serves && healthy)
                    .then(|| fields.get(1)?.split(['@', ':']).nth(1)?.parse().ok())
                    .flatten()
            })
        };
        let old = master_of_slot(any).expect("the slot has a master");
        // Let the replicas catch up first, so the takeover loses nothing acknowledged.
        cli(old, &["wait", "1", "2000"]);
        let index = self
            .nodes
            .iter()
            .position(|node| node.port == old)
            .expect("the master is one of the nodes");
        self.nodes[index].stop();
        let witness = self
            .nodes
            .iter()
            .find(|node| node.port != old)
            .expect("another node")
            .port;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if master_of_slot(witness).is_some_and(|port| port != old)
                && cli(witness, &["cluster", "info"]).contains("cluster_state:ok")
            {
                return old;
            }
            assert!(
                Instant::now() < deadline,
                "no replica took over slot {slot}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The URL to connect to: every node, comma separated.
    pub fn url(&self) -> String {
        self.nodes
            .iter()
            .map(|node| format!("redis://127.0.0.1:{}/", node.port))
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        self.nodes.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!("{}-{nanos}", std::process::id())
}
