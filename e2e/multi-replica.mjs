// The end-to-end suites through a proxy: three mcp-server replicas sharing one Redis behind
// nginx (round robin, no affinity; see lib/replicas.mjs), auth off, the conformance pack on.
// Runs the TypeScript SDK suite, the Python SDK suite and the conformance suite (both revisions)
// against the proxy's URL, then the cross-replica scenarios (replicas.test.mjs, which starts
// its own replicas to kill them); then the SDK suites, the conformance suite and the scenarios
// again with the replicas sharing a three-master Redis Cluster; the TypeScript SDK's OAuth dance
// with auth on through three replicas; and Redis over TLS with a password (redis-tls.test.mjs).
//
// Prints each suite's output, then "# stage <name> pass N fail N" per suite and the totals
// "# pass N" / "# fail N".
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startReplicas } from './lib/replicas.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const node = process.execPath;

/** Runs `command` with `env`, echoing its output; returns what it printed. */
async function run(command, args, env) {
  const child = spawn(command, args, { cwd: here, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  const status = await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return { output, status };
}

/** The last "# pass N" / "# fail N" of `output` (a run that counted nothing failed). */
function counts({ output, status }, pattern = /^# (pass|fail) (\d+)$/gm) {
  const found = { pass: 0, fail: 0 };
  for (const [, kind, n] of output.matchAll(pattern)) found[kind] = Number(n);
  if (status !== 0 && found.fail === 0) found.fail = 1;
  if (found.pass + found.fail === 0) found.fail = 1;
  return found;
}

/** The counts conformance.mjs printed for `revision` (a run that printed none failed). */
function revisionCounts(output, revision) {
  const line = output.match(new RegExp(`^# revision ${revision} pass (\\d+) fail (\\d+)$`, 'm'));
  return line ? { pass: Number(line[1]), fail: Number(line[2]) } : { pass: 0, fail: 1 };
}

const stages = [];
const cluster = await startReplicas(3, { MCP_FEATURE_PACKS: 'conformance', MCP_TASK_POLL_INTERVAL_MS: '100' });
try {
  const env = { MCP_E2E_URL: cluster.url };
  const ts = await run(node, ['--test', '--test-reporter=tap', 'ts-client.test.mjs'], env);
  stages.push(['TypeScript SDK client', counts(ts)]);
  const python = await run('bash', ['python/run.sh', '--ignore=test_oauth.py'], env);
  stages.push(['Python SDK client', counts(python)]);
  const conformance = await run(node, ['conformance.mjs', '2025-11-25', '2026-07-28'], env);
  for (const revision of ['2025-11-25', '2026-07-28']) {
    stages.push([`conformance ${revision}`, revisionCounts(conformance.output, revision)]);
  }
} finally {
  await cluster.stop();
}
const scenarios = await run(node, ['--test', '--test-reporter=tap', 'replicas.test.mjs'], {});
stages.push(['cross-replica scenarios', counts(scenarios)]);

// The same on a three-master Redis Cluster (sharded pub/sub, hash-tagged keys).
const onCluster = await startReplicas(3, { MCP_FEATURE_PACKS: 'conformance', MCP_TASK_POLL_INTERVAL_MS: '100' }, { cluster: true });
try {
  const env = { MCP_E2E_URL: onCluster.url };
  const ts = await run(node, ['--test', '--test-reporter=tap', 'ts-client.test.mjs'], env);
  stages.push(['Redis Cluster: TypeScript SDK client', counts(ts)]);
  const python = await run('bash', ['python/run.sh', '--ignore=test_oauth.py'], env);
  stages.push(['Redis Cluster: Python SDK client', counts(python)]);
  const conformance = await run(node, ['conformance.mjs', '2025-11-25', '2026-07-28'], env);
  for (const revision of ['2025-11-25', '2026-07-28']) {
    stages.push([`Redis Cluster: conformance ${revision}`, revisionCounts(conformance.output, revision)]);
  }
} finally {
  await onCluster.stop();
}
const clusterScenarios = await run(node, ['--test', '--test-reporter=tap', 'replicas.test.mjs'], { REPLICAS_REDIS: 'cluster', KILL_ROUNDS: '6' });
stages.push(['Redis Cluster: cross-replica scenarios', counts(clusterScenarios)]);

const oauth = await run(node, ['--test', '--test-reporter=tap', 'ts-oauth.test.mjs'], { OAUTH_E2E_REPLICAS: '1' });
stages.push(['TypeScript SDK OAuth dance, auth on', counts(oauth)]);

const tls = await run(node, ['--test', '--test-reporter=tap', 'redis-tls.test.mjs'], {});
stages.push(['Redis over TLS with a password', counts(tls)]);

const totals = { pass: 0, fail: 0 };
for (const [name, { pass, fail }] of stages) {
  console.log(`# stage ${name} pass ${pass} fail ${fail}`);
  totals.pass += pass;
  totals.fail += fail;
}
console.log(`# pass ${totals.pass}`);
console.log(`# fail ${totals.fail}`);
process.exit(totals.fail === 0 ? 0 : 1);
