// Several mcp-server replicas sharing one private redis-server (or a private three-master
// Redis Cluster), behind nginx configured as a
// plain round-robin, SSE-safe ingress (no affinity, no buffering, long read timeout).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort } from './process.mjs';
import { startServer } from './server.mjs';

/** Runs `command` until stopped, failing if it exits early; resolves once `ready()` holds. */
async function startDaemon(name, command, args, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('error', () => {});
  const deadline = Date.now() + 15_000;
  while (!(await ready())) {
    if (child.exitCode !== null || child.pid === undefined) throw new Error(`${name} did not start (is it installed?)`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become ready`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const answers = async (url) => {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
};

async function redisAnswers(port) {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

function nginxConfig(dir, port, upstreams) {
  return `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mcp {
${upstreams.map((upstream) => `    server ${upstream} max_fails=0;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_cache off;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
      proxy_next_upstream error timeout http_502;
    }
  }
}
`;
}

/** Starts one redis-server on a free port; returns `{ port, stop }`. */
async function startRedis(extraArgs = []) {
  let port;
  do port = await freePort();
  while (port > 55_000); // a cluster node also needs port + 10000
  const server = await startDaemon(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    () => redisAnswers(port),
  );
  return { port, stop: server.stop };
}

/** Three cluster-enabled servers joined into one cluster of three masters. */
async function startRedisCluster(dir) {
  const nodes = [];
  for (let i = 0; i < 3; i += 1) {
    nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${i}.conf`), '--cluster-node-timeout', '2000']));
  }
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
  if (created.status !== 0) throw new Error('redis-cli --cluster create failed');
  const deadline = Date.now() + 20_000;
  for (const node of nodes) {
    while (!spawnSync('redis-cli', ['-p', String(node.port), 'cluster', 'info']).stdout?.toString().includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error('the Redis cluster did not form');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url: nodes.map((node) => `redis://127.0.0.1:${node.port}`).join(','),
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

/**
 * Starts Redis (one server, or with `{ cluster: true }` a cluster of three masters), `count`
 * replicas (with `env`) and nginx in front (on `proxyPort`, or a free port). Returns `{ url, replicas, restart(i), stop }`, where
 * `url` is the proxy's `/mcp` and each replica has its own `url`, `kill()` and `stop()`.
 */
export async function startReplicas(count = 3, env = {}, { cluster = false, proxyPort: chosenPort } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'replicas-'));
  let redis;
  if (cluster) {
    redis = await startRedisCluster(dir);
  } else {
    const server = await startRedis();
    redis = { url: `redis://127.0.0.1:${server.port}`, stop: server.stop };
  }
  const proxyPort = chosenPort ?? (await freePort());
  const shared = {
    // What clients use: the proxy (as behind any ingress).
    MCP_PUBLIC_URL: `http://localhost:${proxyPort}/mcp`,
    REDIS_URL: redis.url,
    MCP_STATE_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ...env,
  };
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const replicas = await Promise.all(ports.map((port) => startServer(shared, port)));
  await writeFile(path.join(dir, 'nginx.conf'), nginxConfig(dir, proxyPort, ports.map((port) => `127.0.0.1:${port}`)));
  const nginxBinary = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
  const nginx = await startDaemon('nginx', nginxBinary, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], () =>
    answers(`http://127.0.0.1:${proxyPort}/healthz`),
  );
  return {
    url: `http://localhost:${proxyPort}/mcp`,
    redisUrl: shared.REDIS_URL,
    replicas,
    /** Starts replica `index` again on its port (after `kill`). */
    async restart(index) {
      replicas[index] = await startServer(shared, ports[index]);
      return replicas[index];
    },
    async stop() {
      await nginx.stop();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
