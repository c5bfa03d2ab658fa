// Starts the real `oauth-server` binary (the authorization server) on a free loopback port and stops it afterwards.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, startBinary } from './process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultBinary = path.resolve(here, '../../target/debug/oauth-server');

/**
 * Starts the authorization server with `extraEnv`. Its issuer is `http://localhost:<port>`
 * unless `extraEnv.ISSUER_URL` says otherwise; `base` is the loopback address it listens on.
 */
export async function startOAuthServer(extraEnv = {}) {
  const port = await freePort();
  const binary = process.env.OAUTH_SERVER_BIN ?? defaultBinary;
  const env = { AUTH_PORT: String(port), BIND_ADDRESS: '127.0.0.1', ...extraEnv };
  const { base, stop } = await startBinary('oauth-server', binary, port, env);
  return { port, base, issuer: env.ISSUER_URL ?? `http://localhost:${port}`, stop };
}
