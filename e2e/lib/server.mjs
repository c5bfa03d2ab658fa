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
  const { base, stop } = await startBinary('mcp-server', binary, port, env);
  return { port, base, url: `${base}/mcp`, stop };
}
