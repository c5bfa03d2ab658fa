// The official TypeScript SDK client against the real server, over Streamable HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { startProxy } from './lib/proxy.mjs';
import { serverUnderTest } from './lib/server.mjs';

const waitFor = async (predicate, what, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

async function connect(url) {
  const client = new Client({ name: 'e2e-ts', version: '1.0.0' });
  const logs = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logs.push(notification.params.data);
  });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    reconnectionOptions: { initialReconnectionDelay: 100, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
  });
  await client.connect(transport);
  return { client, transport, logs };
}

describe('TypeScript SDK client', () => {
  let server;
  before(async () => {
    server = await serverUnderTest();
  });
  after(async () => {
    await server?.stop();
  });

  test('connects, negotiates the latest version and lists the tools', async () => {
    const { client, transport } = await connect(server.url);
    assert.match(transport.sessionId, /^[0-9a-f]{32}$/);
    assert.equal(transport.protocolVersion, '2025-11-25');
    const { tools } = await client.listTools();
    // The seed's tools come first (a server with feature packs lists more after them).
    assert.deepEqual(tools.map((tool) => tool.name).slice(0, 2), ['greet', 'count']);
    const count = tools.find((tool) => tool.name === 'count');
    assert.deepEqual(count.annotations, { title: 'Counting Tool', readOnlyHint: true, openWorldHint: false });
    await client.close();
  });

  test('calls greet', async () => {
    const { client } = await connect(server.url);
    const result = await client.callTool({ name: 'greet', arguments: { name: 'Elin' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'Hello, Elin!' }]);
    await client.close();
  });

  test("calls count and receives its log messages on the standalone stream", async () => {
    const { client, logs } = await connect(server.url);
    const result = await client.callTool({ name: 'count', arguments: { number: 3 } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'Counting to 3' }]);
    await waitFor(() => logs.length >= 3, 'three log messages');
    assert.deepEqual(logs, ['Counted to 1', 'Counted to 2', 'Counted to 3']);
    await client.close();
  });

  test('setLevel filters the log messages', async () => {
    const { client, logs } = await connect(server.url);
    await client.setLoggingLevel('error');
    await client.callTool({ name: 'count', arguments: { number: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(logs, []);
    await client.close();
  });

  test('resumes dropped streams with Last-Event-ID and loses nothing', async () => {
    const proxy = await startProxy(server.port);
    try {
      const { client, logs } = await connect(`http://127.0.0.1:${proxy.port}/mcp`);
      const progress = [];
      const call = client.callTool(
        { name: 'count', arguments: { number: 4 } },
        undefined,
        { onprogress: (update) => progress.push(update.progress), timeout: 30_000 },
      );
      await waitFor(() => logs.length >= 1 && progress.length >= 1, 'the first step');
      const cut = proxy.cutAll();
      assert.ok(cut >= 2, `the standalone and the call's streams were cut (${cut} sockets)`);
      const result = await call;
      assert.deepEqual(result.content, [{ type: 'text', text: 'Counting to 4' }]);
      await waitFor(() => logs.length >= 4, 'all four log messages');
      assert.deepEqual(logs, ['Counted to 1', 'Counted to 2', 'Counted to 3', 'Counted to 4']);
      assert.deepEqual(progress, [1, 2, 3, 4]);
      await client.close();
    } finally {
      await proxy.close();
    }
  });

  test('a deleted session is gone', async () => {
    const { client, transport } = await connect(server.url);
    const sessionId = transport.sessionId;
    await transport.terminateSession();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(response.status, 404);
    await client.close();
  });
});
