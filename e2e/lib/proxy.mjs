// A TCP proxy that can cut every connection passing through it, to simulate a network drop.
import net from 'node:net';

export async function startProxy(targetPort) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => { upstream.destroy(); forget(); });
    upstream.on('close', () => { client.destroy(); forget(); });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    /** Destroys every open connection; returns how many were cut. */
    cutAll() {
      const count = sockets.size;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      return count;
    },
    async close() {
      this.cutAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
