// Redis over TLS with a password, both given in REDIS_URL (`rediss://:password@host:port`): two
// replicas share state through a TLS-only redis-server whose certificate comes from a private
// CA (trusted through SSL_CERT_FILE); a replica with the wrong password is not ready and
// answers 503 rather than serving from nowhere.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { freePort } from './lib/process.mjs';
import { startServer } from './lib/server.mjs';

const openssl = (args, cwd) => {
  const result = spawnSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
};

/** A private CA and a certificate for localhost/127.0.0.1 signed by it, in `dir`. */
async function certificates(dir) {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test CA'], dir);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'redis.key', '-out', 'redis.csr', '-subj', '/CN=localhost'], dir);
  await writeFile(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'redis.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'redis.pem', '-days', '1', '-extfile', 'san.ext'], dir);
}

describe('Redis over TLS with a password in REDIS_URL', () => {
  let dir;
  let redis;
  let port;
  const password = randomBytes(12).toString('hex');
  const stateKeys = `k1:${randomBytes(32).toString('base64')}`;
  const replicas = [];
  const replica = (url) => startServer({ REDIS_URL: url, MCP_STATE_KEYS: stateKeys, SSL_CERT_FILE: path.join(dir, 'ca.pem') }).then((server) => {
    replicas.push(server);
    return server;
  });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'redis-tls-'));
    await certificates(dir);
    port = await freePort();
    redis = spawn('redis-server', [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--tls-cert-file', path.join(dir, 'redis.pem'), '--tls-key-file', path.join(dir, 'redis.key'),
      '--tls-ca-cert-file', path.join(dir, 'ca.pem'), '--tls-auth-clients', 'no', '--requirepass', password,
    ], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(redis.exitCode, null, 'redis-server runs with TLS');
  });
  after(async () => {
    await Promise.all(replicas.map((server) => server.stop()));
    redis?.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('two replicas share a session through it', async () => {
    const url = `rediss://:${password}@localhost:${port}/`;
    const [one, two] = [await replica(url), await replica(url)];
    assert.equal((await fetch(`${one.base}/readyz`)).status, 200);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(one.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'tls', version: '1' } } }),
    });
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id');
    const call = await fetch(two.url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: { name: 'TLS' } } }),
    });
    assert.equal(call.status, 200);
    assert.equal((await call.json()).result.content[0].text, 'Hello, TLS!');
  });

  test('a wrong password is not ready and answers 503', async () => {
    const server = await replica(`rediss://:wrong-${password}@localhost:${port}/`);
    assert.equal((await fetch(`${server.base}/readyz`)).status, 503);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'tls', version: '1' } } }),
    });
    assert.equal(response.status, 503);
    assert.ok(response.headers.get('retry-after'));
  });
});
