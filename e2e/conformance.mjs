// Runs the official MCP conformance suite (server side) against one real server binary (or the
// server at $MCP_E2E_URL, e.g. a proxy in front of replicas), with auth off and the conformance
// feature pack on, for one or more spec revisions in turn: the same
// process serves every revision, as it serves clients of both protocol eras at once.
//
// Usage: node conformance.mjs <revision>...   (e.g. 2025-11-25 2026-07-28)
// Prints one line per check that is not a success, then per revision
// "# revision <r> pass N fail N", then the totals "# pass N" and "# fail N". A check counts as
// passed only with status SUCCESS (INFO and SKIPPED lines are informational and not counted);
// FAILURE and WARNING both count as failed.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { serverUnderTest } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const revisions = process.argv.length > 2 ? process.argv.slice(2) : ['2025-11-25'];
const cli = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

/** Runs the suite for `revision` against `url`; returns its pass and fail counts. */
async function run(url, revision) {
  const output = await mkdtemp(path.join(tmpdir(), 'conformance-'));
  try {
    const child = spawn(process.execPath, [cli, 'server', '--url', url, '--requirements', revision, '-o', output], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const status = await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    let pass = 0;
    let fail = 0;
    const scenarios = await readdir(output);
    for (const scenario of scenarios) {
      const checks = JSON.parse(await readFile(path.join(output, scenario, 'checks.json'), 'utf8'));
      for (const check of checks) {
        if (check.status === 'SUCCESS') pass += 1;
        else if (check.status === 'FAILURE' || check.status === 'WARNING') {
          fail += 1;
          console.log(`not ok - ${revision} ${scenario}: ${check.id} ${check.status} ${check.errorMessage ?? ''}`);
        }
      }
    }
    if (scenarios.length === 0 || status !== 0) {
      console.log(`not ok - the ${revision} run exited with ${status} after ${scenarios.length} scenario(s)`);
      fail += 1;
    }
    console.log(`# conformance ${revision}: ${scenarios.length} scenarios`);
    return { pass, fail };
  } finally {
    await rm(output, { recursive: true, force: true });
  }
}

const server = await serverUnderTest({ MCP_FEATURE_PACKS: 'conformance' });
const totals = { pass: 0, fail: 0 };
try {
  const url = process.env.MCP_E2E_URL ?? `http://localhost:${server.port}/mcp`;
  for (const revision of revisions) {
    const { pass, fail } = await run(url, revision);
    console.log(`# revision ${revision} pass ${pass} fail ${fail}`);
    totals.pass += pass;
    totals.fail += fail;
  }
} finally {
  await server.stop();
}
console.log(`# pass ${totals.pass}`);
console.log(`# fail ${totals.fail}`);
process.exit(totals.fail === 0 ? 0 : 1);
