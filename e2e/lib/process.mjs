// Starting one of the project's binaries on a free loopback port, waiting until /healthz answers, and stopping it.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on the loopback interface. */
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

/**
 * Runs `binary` with `env` (plus PATH and a quiet RUST_LOG), waits until `base/healthz` answers,
 * and returns `{ base, stop }`. A binary that exits or never becomes healthy is an error.
 */
export async function startBinary(name, binary, port, env) {
  const child = spawn(binary, [], {
    env: { PATH: process.env.PATH, RUST_LOG: process.env.E2E_SERVER_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const spawnFailed = new Promise((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (child.pid === undefined) await spawnFailed; // the binary is missing: throws its error
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`${name} did not become healthy`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    base,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    /** Ends the process at once (SIGKILL), as a crash would. */
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
