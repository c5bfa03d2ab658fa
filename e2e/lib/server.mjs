// Starts the real `mcp-server` binary on a free loopback port and stops it afterwards.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultBinary = path.resolve(here, '../../target/debug/mcp-server');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startServer(extraEnv = {}) {
  const port = await freePort();
  const binary = process.env.MCP_SERVER_BIN ?? defaultBinary;
  const child = spawn(binary, [], {
    env: { PATH: process.env.PATH, DISABLE_AUTH: 'true', PORT: String(port), BIND_ADDRESS: '127.0.0.1', RUST_LOG: process.env.E2E_SERVER_LOG ?? 'warn', ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`mcp-server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('mcp-server did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    base,
    url: `${base}/mcp`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
