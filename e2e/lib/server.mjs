// Starts the real `mcp-server` binary on a free loopback port and stops it afterwards.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, startBinary } from './process.mjs';

export { freePort };

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultBinary = path.resolve(here, '../../target/debug/mcp-server');

/** Starts the server with `extraEnv` (auth off unless it says `DISABLE_AUTH: 'false'`), on `port` or a free one. */
export async function startServer(extraEnv = {}, port = undefined) {
  port ??= await freePort();
  const binary = process.env.MCP_SERVER_BIN ?? defaultBinary;
  const env = { DISABLE_AUTH: 'true', PORT: String(port), BIND_ADDRESS: '127.0.0.1', ...extraEnv };
  const { base, stop, kill } = await startBinary('mcp-server', binary, port, env);
  return { port, base, url: `${base}/mcp`, stop, kill };
}

/**
 * The server the end-to-end suites run against: the one at `$MCP_E2E_URL` when set (e.g. the
 * proxy in front of several replicas, started by replicas.mjs), else a new process of its own.
 */
export async function serverUnderTest(extraEnv = {}) {
  const external = process.env.MCP_E2E_URL;
  if (!external) return startServer(extraEnv);
  const url = new URL(external);
  return { port: Number(url.port), base: url.origin, url: external, stop: async () => {} };
}
