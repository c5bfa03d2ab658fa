// Benchmark peer: an MCP server on the official TypeScript SDK, serving Streamable HTTP with
// in-memory sessions (one transport and one McpServer per session) on POST /mcp at
// 127.0.0.1:$PORT, with the `greet` and `count` tools behaving as the main server's seed tools do.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

const HOST = '127.0.0.1';
const PORT = Number(process.env.PORT ?? 3000);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A fresh MCP server with the two tools, one per session.
function buildServer() {
  const server = new McpServer(
    { name: 'ts-peer', version: '0.1.0' },
    { capabilities: { logging: {} } },
  );

  server.registerTool(
    'greet',
    {
      title: 'Greeting Tool',
      description: 'Say hello',
      inputSchema: { name: z.string().describe('Name to greet') },
    },
    async ({ name }) => ({ content: [{ type: 'text', text: `Hello, ${name}!` }] }),
  );

  server.registerTool(
    'count',
    {
      description: 'A tool that counts to a given number',
      inputSchema: { number: z.number().describe('Number to count to') },
      annotations: { title: 'Counting Tool', readOnlyHint: true, openWorldHint: false },
    },
    async ({ number }, extra) => {
      for (let step = 1; step <= number; step++) {
        await server.sendLoggingMessage(
          { level: 'info', data: `Counted to ${step}` },
          extra.sessionId,
        );
        await sleep(1000);
      }
      return { content: [{ type: 'text', text: `Counting to ${number}` }] };
    },
  );

  return server;
}

// Open sessions: session id -> transport.
const transports = new Map();

function jsonRpcError(res, status, code, message) {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

// Binding to 127.0.0.1 turns on the SDK's DNS-rebinding check, which accepts the Host
// names localhost, 127.0.0.1 and [::1] on any port.
const app = createMcpExpressApp({ host: HOST });

app.post('/mcp', async (req, res) => {
  try {
    const sessionId = req.headers['mcp-session-id'];
    const existing = sessionId ? transports.get(sessionId) : undefined;
    if (existing) {
      await existing.handleRequest(req, res, req.body);
      return;
    }
    if (sessionId) {
      jsonRpcError(res, 404, -32001, 'Session not found');
      return;
    }
    if (!isInitializeRequest(req.body)) {
      jsonRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
      return;
    }

    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await buildServer().connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (error) {
    console.error('error handling an MCP request:', error);
    if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal server error');
  }
});

// GET (the standalone stream) and DELETE (ending a session) go to the session's transport.
async function handleSessionRequest(req, res) {
  const sessionId = req.headers['mcp-session-id'];
  const transport = sessionId ? transports.get(sessionId) : undefined;
  if (!transport) {
    res.status(sessionId ? 404 : 400).send('Invalid or missing session ID');
    return;
  }
  await transport.handleRequest(req, res);
}
app.get('/mcp', handleSessionRequest);
app.delete('/mcp', handleSessionRequest);

// Nagle off on accepted sockets, so small SSE writes leave at once.
const httpServer = createServer({ noDelay: true }, app);
httpServer.listen(PORT, HOST, () => {
  console.error(`ts-peer listening on http://${HOST}:${PORT}/mcp`);
});

const shutdown = () => {
  httpServer.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
