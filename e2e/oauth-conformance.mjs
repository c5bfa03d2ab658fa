// Runs the official MCP conformance suite's authorization-server mode against the real oauth-server, per variant; prints ok/not ok and "# pass N"/"# fail N".
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { startOAuthServer } from './lib/oauth-server.mjs';
import { freePort } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const expectedChecks = ['authorization-server-metadata', 'authorization-server-metadata-cimd', 'authorization-code-grant'];
const runTimeoutMs = 120_000;
const totals = { pass: 0, fail: 0 };

function report(passed, description, detail = '') {
  if (passed) totals.pass += 1;
  else totals.fail += 1;
  console.log(`${passed ? 'ok' : 'not ok'} - ${description}${!passed && detail ? ` (${detail})` : ''}`);
}

/** Registers the public client the suite uses (loopback redirect URI: any port matches, RFC 8252). */
async function registerClient(base) {
  const response = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'conformance',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }),
  });
  const body = await response.json();
  if (response.status !== 201 || typeof body.client_id !== 'string') {
    throw new Error(`POST /register answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.client_id;
}

/** Plays the browser: GETs the authorize URL without following redirects, then delivers the Location. */
async function playBrowser(authorizeUrl) {
  const answer = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) {
    throw new Error(`GET /authorize answered ${answer.status} (Location: ${location}): ${await answer.text()}`);
  }
  for (let attempt = 0; ; attempt += 1) {
    try {
      await (await fetch(location, { redirect: 'manual' })).arrayBuffer();
      return;
    } catch (error) {
      if (error?.cause?.code !== 'ECONNREFUSED' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function callbackPort() {
  for (;;) {
    const port = await freePort();
    if (port !== 3000) return port;
  }
}

/** Runs the suite once; returns every check it recorded. */
async function runSuite(issuer, clientId, resource) {
  const output = await mkdtemp(path.join(tmpdir(), 'as-conformance-'));
  try {
    const args = [cli, 'authorization', '--url', issuer, '--client-id', clientId, '-p', String(await callbackPort()), '-o', output];
    if (resource) args.push('--resource', resource);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), runTimeoutMs);
    const browsing = [];
    let urlFollows = false;
    readline.createInterface({ input: child.stdout }).on('line', (raw) => {
      const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
      console.log(`#   ${line}`);
      if (line.includes('Access the following URL in your browser')) urlFollows = true;
      const url = line.match(/https?:\/\/\S+\?response_type=code&\S*/)?.[0];
      if (urlFollows && url) {
        urlFollows = false;
        browsing.push(playBrowser(url).catch((error) => console.log(`# browser step failed: ${error.message}`)));
      }
    });
    const status = await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    clearTimeout(timer);
    await Promise.all(browsing);
    console.log(`# suite exited with ${status}`);
    const checks = [];
    for (const entry of await readdir(output, { recursive: true })) {
      if (path.basename(entry) !== 'checks.json') continue;
      checks.push(...JSON.parse(await readFile(path.join(output, entry), 'utf8')));
    }
    return checks;
  } finally {
    await rm(output, { recursive: true, force: true });
  }
}

async function variant(label, server, resource) {
  let checks = [];
  try {
    const clientId = await registerClient(server.base);
    checks = await runSuite(server.issuer, clientId, resource);
  } catch (error) {
    report(false, `${label}: the suite ran`, error.message);
    return;
  }
  for (const id of expectedChecks) {
    const found = checks.filter((check) => check.id === id);
    const check = found[0];
    const passed = found.length === 1 && check.status === 'SUCCESS';
    const detail = check ? `${check.status} ${check.errorMessage ?? ''}`.trim() : 'not recorded';
    report(passed, `${label}: ${id}`, found.length > 1 ? `recorded ${found.length} times` : detail);
  }
  for (const check of checks.filter((check) => !expectedChecks.includes(check.id))) {
    report(false, `${label}: no unexpected check`, `${check.id} ${check.status} ${check.errorMessage ?? ''}`.trim());
  }
}

for (const format of ['opaque', 'jwt']) {
  let server;
  try {
    server = await startOAuthServer({ ACCESS_TOKEN_FORMAT: format });
  } catch (error) {
    report(false, `${format} tokens: the authorization server starts`, error.message);
    continue;
  }
  try {
    await variant(`${format} tokens, no resource`, server, undefined);
    await variant(`${format} tokens, resource http://localhost:3000/mcp`, server, 'http://localhost:3000/mcp');
  } finally {
    await server.stop();
  }
}
console.log(`# pass ${totals.pass}`);
console.log(`# fail ${totals.fail}`);
process.exit(totals.fail === 0 ? 0 : 1);
