//! Connecting to Redis, a single server or a cluster, behind one cloneable, multiplexed
//! connection type that every `redis` command, script and pipeline accepts.
//!
//! `REDIS_URL` is one `redis://[user:password@]host:port[/db]` URL (`rediss://` for TLS), or
//! several comma-separated seed nodes of a cluster (`redis+cluster://` on a single URL also
//! selects cluster mode). The connection is made lazily and re-made after failures; commands
//! time out instead of hanging.

use std::time::{Duration, Instant};

use redis::{
    Cmd, IntoConnectionInfo, Pipeline, ProtocolVersion, PushInfo, RedisFuture, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterClient,
    cluster_async::ClusterConnection,
};
use tokio::sync::mpsc::UnboundedSender;

use crate::metric_handles::Handles;

/// `db.client.operation.duration` for every command sent through a [`RedisConnection`], by
/// `db_operation_name` (the command, `EVALSHA` for scripts, `PIPELINE` for pipelines).
pub const COMMAND_DURATION: &str = "db_client_operation_duration_seconds";

/// Describes the Redis metrics and registers the commands every service sends at zero.
pub fn describe_metrics() {
    metrics::describe_histogram!(
        COMMAND_DURATION,
        metrics::Unit::Seconds,
        "Duration of Redis commands, as seen by this process"
    );
    for operation in ["EVALSHA", "PUBLISH", "PING"] {
        let _ = metrics::histogram!(COMMAND_DURATION, "db_system_name" => "redis", "db_operation_name" => operation);
    }
}

fn record_duration(operation: String, started: Instant) {
    static HANDLES: Handles<String, metrics::Histogram> = Handles::new();
    HANDLES
        .get(
            |known| *known == operation,
            || {
                let histogram = metrics::histogram!(COMMAND_DURATION, "db_system_name" => "redis", "db_operation_name" => operation.clone());
                (operation.clone(), histogram)
            },
        )
        .record(started.elapsed().as_secs_f64());
}

/// The name of `cmd`, upper case (`?` if it has none).
fn operation_name(cmd: &Cmd) -> String {
    match cmd.args_iter().next() {
        Some(redis::Arg::Simple(name)) => String::from_utf8_lossy(name).to_ascii_uppercase(),
        _ => "?".to_owned(),
    }
}

/// How long a command may take, and how long connecting may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to a single server or to a cluster.
#[derive(Clone)]
pub enum RedisConnection {
    /// One server, through a reconnecting connection manager.
    Single(ConnectionManager),
    /// A cluster.
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Single(_) => "RedisConnection::Single",
            Self::Cluster(_) => "RedisConnection::Cluster",
        })
    }
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        let started = Instant::now();
        let sent = match self {
            Self::Single(connection) => connection.req_packed_command(cmd),
            Self::Cluster(connection) => connection.req_packed_command(cmd),
        };
        Box::pin(async move {
            let answer = sent.await;
            record_duration(operation_name(cmd), started);
            answer
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        let started = Instant::now();
        let sent = match self {
            Self::Single(connection) => connection.req_packed_commands(pipeline, offset, count),
            Self::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
        };
        Box::pin(async move {
            let answers = sent.await;
            record_duration("PIPELINE".to_owned(), started);
            answers
        })
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(connection) => connection.get_db(),
            Self::Cluster(connection) => connection.get_db(),
        }
    }
}

/// The seed nodes of `url`, and whether it names a cluster.
fn nodes(url: &str) -> (Vec<String>, bool) {
    let nodes: Vec<String> = url
        .split(',')
        .map(str::trim)
        .filter(|node| !node.is_empty())
        .map(|node| node.replacen("redis+cluster://", "redis://", 1))
        .collect();
    let cluster = nodes.len() > 1 || url.trim_start().starts_with("redis+cluster://");
    (nodes, cluster)
}

/// Connects to the server or cluster named by `url` (see the module documentation).
pub async fn connect(url: &str) -> redis::RedisResult<RedisConnection> {
    let (nodes, cluster) = nodes(url);
    if cluster {
        let client = ClusterClient::builder(nodes)
            .connection_timeout(TIMEOUT)
            .response_timeout(TIMEOUT)
            .build()?;
        return Ok(RedisConnection::Cluster(
            client.get_async_connection().await?,
        ));
    }
    let client = redis::Client::open(nodes.first().map_or("", String::as_str))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(TIMEOUT))
        .set_response_timeout(Some(TIMEOUT))
        .set_number_of_retries(2);
    Ok(RedisConnection::Single(
        ConnectionManager::new_lazy_with_config(client, config)?,
    ))
}

/// Whether the server (every node of a cluster) answers `PING` within the timeout.
pub async fn ping(connection: &RedisConnection) -> redis::RedisResult<()> {
    let mut connection = connection.clone();
    match tokio::time::timeout(
        TIMEOUT,
        redis::cmd("PING").query_async::<()>(&mut connection),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(redis::RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "PING timed out",
        ))),
    }
}

/// A connection that receives pub/sub messages: RESP3, every message (and a disconnect notice)
/// pushed to a channel, subscriptions restored by the library after a reconnect. On a cluster
/// it uses sharded pub/sub (`SSUBSCRIBE`), so a channel lives on the shard of its hash slot.
#[derive(Clone)]
pub enum Subscriber {
    /// One server: `SUBSCRIBE`/`UNSUBSCRIBE`, published with `PUBLISH`.
    Single(ConnectionManager),
    /// A cluster: `SSUBSCRIBE`/`SUNSUBSCRIBE`, published with `SPUBLISH`.
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Single(_) => "Subscriber::Single",
            Self::Cluster(_) => "Subscriber::Cluster",
        })
    }
}

impl Subscriber {
    /// Connects to `url` (as [`connect`] reads it), pushing what arrives to `pushes`.
    pub async fn connect(url: &str, pushes: UnboundedSender<PushInfo>) -> redis::RedisResult<Self> {
        let (nodes, cluster) = nodes(url);
        if cluster {
            let client = ClusterClient::builder(nodes)
                .connection_timeout(TIMEOUT)
                .response_timeout(TIMEOUT)
                .use_protocol(ProtocolVersion::RESP3)
                .push_sender(pushes)
                .build()?;
            return Ok(Self::Cluster(client.get_async_connection().await?));
        }
        let info = nodes
            .first()
            .map_or("", String::as_str)
            .into_connection_info()?;
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_push_sender(pushes)
            .set_automatic_resubscription();
        Ok(Self::Single(ConnectionManager::new_lazy_with_config(
            client, config,
        )?))
    }

    /// Starts receiving `channel`.
    pub async fn subscribe(&mut self, channel: &str) -> redis::RedisResult<()> {
        match self {
            Self::Single(connection) => connection.subscribe(channel).await,
            Self::Cluster(connection) => connection.ssubscribe(channel).await,
        }
    }

    /// Stops receiving `channel`.
    pub async fn unsubscribe(&mut self, channel: &str) -> redis::RedisResult<()> {
        match self {
            Self::Single(connection) => connection.unsubscribe(channel).await,
            Self::Cluster(connection) => connection.sunsubscribe(channel).await,
        }
    }

    /// The command that publishes `payload` on `channel` so this kind of subscriber gets it.
    pub fn publish_command(&self, channel: &str, payload: &str) -> Cmd {
        let mut command = redis::cmd(match self {
            Self::Single(_) => "PUBLISH",
            Self::Cluster(_) => "SPUBLISH",
        });
        command.arg(channel).arg(payload);
        command
    }
}
