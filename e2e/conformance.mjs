// Runs the official MCP conformance suite (server side) against the real binary, with auth off
// and the conformance feature pack on, for one spec revision's requirements.
//
// Usage: node conformance.mjs <revision>   (e.g. 2025-11-25)
// Prints one line per check that is not a success, then "# pass N" and "# fail N": a check
// counts as passed only with status SUCCESS (INFO lines are informational and not counted);
// FAILURE and WARNING both count as failed.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const revision = process.argv[2] ?? '2025-11-25';
const cli = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

const server = await startServer({ MCP_FEATURE_PACKS: 'conformance' });
const output = await mkdtemp(path.join(tmpdir(), 'conformance-'));
let status;
try {
  const url = `http://localhost:${server.port}/mcp`;
  const child = spawn(process.execPath, [cli, 'server', '--url', url, '--requirements', revision, '-o', output], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  status = await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
} finally {
  await server.stop();
}

let pass = 0;
let fail = 0;
const scenarios = await readdir(output);
for (const scenario of scenarios) {
  const file = path.join(output, scenario, 'checks.json');
  const checks = JSON.parse(await readFile(file, 'utf8'));
  for (const check of checks) {
    if (check.status === 'SUCCESS') pass += 1;
    else if (check.status === 'FAILURE' || check.status === 'WARNING') {
      fail += 1;
      console.log(`not ok - ${scenario}: ${check.id} ${check.status} ${check.errorMessage ?? ''}`);
    }
  }
}
await rm(output, { recursive: true, force: true });
if (scenarios.length === 0 || status !== 0) {
  console.log(`not ok - the conformance run exited with ${status} after ${scenarios.length} scenario(s)`);
  fail += 1;
}
console.log(`# conformance ${revision}: ${scenarios.length} scenarios`);
console.log(`# pass ${pass}`);
console.log(`# fail ${fail}`);
process.exit(fail === 0 ? 0 : 1);
