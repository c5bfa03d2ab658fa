// The official TypeScript SDK client with its OAuth client provider doing the whole dance from a
// 401 against the real demo authorization server and the MCP server with auth on: protected
// resource metadata, authorization server metadata, dynamic registration, PKCE, code, token,
// then the tools; a later client reuses the tokens, and a revoked access token is refreshed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { startOAuthServer } from './lib/oauth-server.mjs';
import { startReplicas } from './lib/replicas.mjs';
import { freePort, startServer } from './lib/server.mjs';

const REDIRECT_URL = 'http://127.0.0.1:9/callback';

/**
 * The SDK's OAuthClientProvider, kept in memory, whose "browser" opens the authorization URL
 * (the demo AS approves at once) and reads the code from the redirect without following it.
 */
class HeadlessProvider {
  visited = [];
  code = undefined;
  #client = undefined;
  #tokens = undefined;
  #verifier = undefined;

  get redirectUrl() {
    return REDIRECT_URL;
  }
  get clientMetadata() {
    return {
      client_name: 'typescript-sdk-e2e',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(information) {
    this.#client = information;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens) {
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  async redirectToAuthorization(url) {
    this.visited.push(new URL(url));
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URL);
    this.code = location.searchParams.get('code');
  }
}

/** Connects a new client through `provider`, doing the authorization first if it must. */
async function connect(url, provider) {
  const client = new Client({ name: 'e2e-ts-oauth', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  try {
    await client.connect(transport);
    return client;
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  assert.ok(provider.code, 'the authorization step produced a code');
  await transport.finishAuth(provider.code);
  const retry = new Client({ name: 'e2e-ts-oauth', version: '1.0.0' });
  await retry.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
  return retry;
}

// OAUTH_E2E_REPLICAS=1: the MCP server is three replicas sharing Redis behind nginx.
const replicated = Boolean(process.env.OAUTH_E2E_REPLICAS);

describe(`TypeScript SDK client with OAuth${replicated ? ', through three replicas' : ''}`, () => {
  let authorizationServer;
  let server;
  const secret = 'ts-e2e-resource-server-secret';
  before(async () => {
    const port = await freePort();
    const mcpUrl = `http://localhost:${port}/mcp`;
    authorizationServer = await startOAuthServer({
      OAUTH_PRESET_CLIENTS: `mcp-server:${secret}`,
      OAUTH_RESOURCES: mcpUrl,
    });
    const env = {
      DISABLE_AUTH: 'false',
      OAUTH_SERVER_URL: authorizationServer.issuer,
      OAUTH_CLIENT_ID: 'mcp-server',
      OAUTH_CLIENT_SECRET: secret,
      // Every request is introspected, so a revocation shows at once (the default caches
      // an answer up to a minute).
      MCP_INTROSPECTION_CACHE_SECS: '0',
    };
    if (replicated) {
      server = await startReplicas(3, env, { proxyPort: port });
    } else {
      server = await startServer(env, port);
    }
    server.url = mcpUrl;
  });
  after(async () => {
    await server?.stop();
    await authorizationServer?.stop();
  });

  test('does the whole dance from a 401, then calls greet and count', async () => {
    const provider = new HeadlessProvider();
    const client = await connect(server.url, provider);
    const greeting = await client.callTool({ name: 'greet', arguments: { name: 'Elin' } });
    assert.deepEqual(greeting.content, [{ type: 'text', text: 'Hello, Elin!' }]);
    const counted = await client.callTool({ name: 'count', arguments: { number: 3 } });
    assert.deepEqual(counted.content, [{ type: 'text', text: 'Counting to 3' }]);
    await client.close();

    assert.equal(provider.visited.length, 1);
    const [authorization] = provider.visited;
    assert.equal(authorization.origin, new URL(authorizationServer.issuer).origin);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorization.searchParams.get('resource'), server.url);
    assert.ok(authorization.searchParams.get('scope').split(' ').includes('mcp:tools'));
    assert.match(provider.clientInformation().client_id, /.+/);
    assert.ok(provider.tokens().access_token);
    assert.ok(provider.tokens().refresh_token);
  });

  test('a later client reuses the tokens without a new authorization', async () => {
    const provider = new HeadlessProvider();
    (await connect(server.url, provider)).close();
    const again = await connect(server.url, provider);
    const greeting = await again.callTool({ name: 'greet', arguments: { name: 'again' } });
    assert.deepEqual(greeting.content, [{ type: 'text', text: 'Hello, again!' }]);
    await again.close();
    assert.equal(provider.visited.length, 1);
  });

  test('a revoked access token is replaced through the refresh token, mid-session', async () => {
    const provider = new HeadlessProvider();
    const client = await connect(server.url, provider);
    const { access_token: revoked } = provider.tokens();
    const revocation = await fetch(`${authorizationServer.base}/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: revoked, client_id: provider.clientInformation().client_id }),
    });
    assert.equal(revocation.status, 200);
    const greeting = await client.callTool({ name: 'greet', arguments: { name: 'refreshed' } });
    assert.deepEqual(greeting.content, [{ type: 'text', text: 'Hello, refreshed!' }]);
    assert.notEqual(provider.tokens().access_token, revoked);
    assert.equal(provider.visited.length, 1, 'no second authorization');
    await client.close();
  });
});
