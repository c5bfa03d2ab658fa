// Cross-replica scenarios: three replicas sharing one Redis (or a Redis Cluster) behind nginx
// (lib/replicas.mjs).
// Requests are sent to chosen replicas directly, so that each scenario really crosses replicas
// (a stream on one, the work on another, the answer through a third), and resumption goes
// through the proxy after the replica holding a stream is killed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startReplicas } from './lib/replicas.mjs';

const ACCEPT = 'application/json, text/event-stream';
const VERSION = '2025-11-25';
const PATIENCE = 15_000;

/** Reads SSE events ({id, data}) from a fetch response, as they arrive. */
class SseReader {
  #reader;
  #buffer = '';
  #queue = [];
  #done = false;
  constructor(response) {
    this.#reader = response.body.getReader();
  }
  async next(timeoutMs = PATIENCE) {
    const deadline = Date.now() + timeoutMs;
    const decoder = new TextDecoder();
    while (this.#queue.length === 0) {
      if (this.#done) return undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))),
      ]);
      if (chunk === 'timeout') throw new Error('no SSE event in time');
      if (chunk.done) {
        this.#done = true;
        continue;
      }
      this.#buffer += decoder.decode(chunk.value, { stream: true }).replaceAll('\r\n', '\n');
      let end;
      while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = { id: undefined, data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) event.id = line.slice(3).trim();
          if (line.startsWith('data:')) event.data += line.slice(5).trim();
        }
        if (event.data) this.#queue.push({ id: event.id, message: JSON.parse(event.data) });
      }
    }
    return this.#queue.shift();
  }
  /** Events until one satisfies `predicate` (which is returned last). */
  async until(predicate) {
    const seen = [];
    for (;;) {
      const event = await this.next();
      if (event === undefined) throw new Error('the stream ended first');
      seen.push(event);
      if (predicate(event.message)) return seen;
    }
  }
  cancel() {
    this.#reader.cancel().catch(() => {});
  }
}

const headers = (session) => ({
  'content-type': 'application/json',
  accept: ACCEPT,
  ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': VERSION } : {}),
});

async function initialize(url, capabilities = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: VERSION, capabilities, clientInfo: { name: 'replicas', version: '1' } },
    }),
  });
  assert.equal(response.status, 200);
  const session = response.headers.get('mcp-session-id');
  await response.text();
  const initialized = await post(url, session, { jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(initialized.status, 202);
  return session;
}

const post = (url, session, body) => fetch(url, { method: 'POST', headers: headers(session), body: JSON.stringify(body) });

async function openStream(url, session, lastEventId) {
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': VERSION, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
  });
  assert.equal(response.status, 200);
  return new SseReader(response);
}

/** The answer to a request whose response may be JSON or SSE. */
async function answerOf(response, id) {
  if (response.headers.get('content-type')?.startsWith('application/json')) return response.json();
  const reader = new SseReader(response);
  const events = await reader.until((message) => message.id === id && !message.method);
  return events.at(-1).message;
}

const countedTo = (message) =>
  message.method === 'notifications/message' && /^Counted to \d+$/.test(message.params?.data) ? Number(message.params.data.slice(11)) : undefined;

const call = (id, name, args) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

// REPLICAS_REDIS=cluster runs the same scenarios on a three-master Redis Cluster.
const onCluster = process.env.REPLICAS_REDIS === 'cluster';
const ROUNDS = Number(process.env.KILL_ROUNDS ?? 20);

describe(`three replicas behind round robin, sharing ${onCluster ? 'a Redis Cluster' : 'one Redis'}`, () => {
  let cluster;
  before(async () => {
    cluster = await startReplicas(3, { MCP_FEATURE_PACKS: 'conformance' }, { cluster: onCluster });
  });
  after(async () => {
    await cluster?.stop();
  });
  const replica = (i) => cluster.replicas[i].url;

  test("count runs on one replica, its log messages reach the stream held by another, once and in order", async () => {
    const session = await initialize(replica(0));
    const stream = await openStream(replica(0), session);
    const answer = await answerOf(await post(replica(1), session, call(1, 'count', { number: 4 })), 1);
    assert.equal(answer.result.content[0].text, 'Counting to 4');
    const events = await stream.until((message) => countedTo(message) === 4);
    assert.deepEqual(events.map((event) => countedTo(event.message)).filter(Boolean), [1, 2, 3, 4]);
    stream.cancel();
  });

  test('an elicitation from a tool on one replica is answered through another', async () => {
    const session = await initialize(replica(0), { elicitation: { form: {} } });
    const running = await post(replica(0), session, call(7, 'test_elicitation', { message: 'Who are you?' }));
    const reader = new SseReader(running);
    const [question] = await reader.until((message) => message.method === 'elicitation/create');
    const answer = { action: 'accept', content: { username: 'replica-user', email: 'r@example.com' } };
    const reply = await post(replica(2), session, { jsonrpc: '2.0', id: question.message.id, result: answer });
    assert.equal(reply.status, 202);
    const events = await reader.until((message) => message.id === 7);
    const text = events.at(-1).message.result.content[0].text;
    assert.match(text, /replica-user/);
  });

  test('a cancellation sent through another replica stops the tool', async () => {
    const session = await initialize(replica(0));
    const started = Date.now();
    const running = post(replica(0), session, call(9, 'count', { number: 30 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancel = await post(replica(1), session, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9, reason: 'test' } });
    assert.equal(cancel.status, 202);
    const body = await (await running).text();
    assert.ok(Date.now() - started < 10_000, 'the 30-second count stopped early');
    assert.ok(!body.includes('Counting to 30'), 'no result after cancellation');
  });

  test(`DELETE through one replica ends the session's stream held by another`, async () => {
    const session = await initialize(replica(1));
    const stream = await openStream(replica(0), session);
    const deleted = await fetch(replica(2), { method: 'DELETE', headers: headers(session) });
    assert.equal(deleted.status, 204);
    for (;;) {
      const event = await stream.next();
      if (event === undefined) break; // the stream ended
    }
    const after = await post(replica(0), session, { jsonrpc: '2.0', id: 5, method: 'tools/list' });
    assert.equal(after.status, 404);
  });

  test('subscriptions/listen on one replica hears a list change made on another', async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'replicas', version: '1' },
    };
    const stateless = (method, params) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(params.name ? { 'mcp-name': params.name } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta } }),
    });
    const listening = await fetch(replica(0), stateless('subscriptions/listen', { notifications: { toolsListChanged: true } }));
    assert.equal(listening.status, 200);
    const reader = new SseReader(listening);
    await reader.until((message) => message.method === 'notifications/subscriptions/acknowledged' || message.method?.startsWith('notifications/'));
    const trigger = await fetch(replica(2), stateless('tools/call', { name: 'test_trigger_tool_change', arguments: {} }));
    assert.equal(trigger.status, 200);
    await trigger.text();
    await reader.until((message) => message.method === 'notifications/tools/list_changed');
    reader.cancel();
  });

  test(`killing the replica that holds a stream mid-count: resumed through the proxy, nothing lost or repeated (${ROUNDS} rounds)`, async () => {
    let lost = 0;
    let duplicated = 0;
    const rounds = ROUNDS;
    for (let round = 0; round < rounds; round += 1) {
      const holder = round % 3;
      const worker = (holder + 1) % 3;
      const session = await initialize(replica(worker));
      const stream = await openStream(replica(holder), session);
      const answered = post(replica(worker), session, call(1, 'count', { number: 3 })).then((r) => answerOf(r, 1));
      const before = await stream.until((message) => countedTo(message) === 1);
      const lastId = before.at(-1).id;
      await cluster.replicas[holder].kill();
      const resumed = await openStream(cluster.url, session, lastId);
      const afterKill = await resumed.until((message) => countedTo(message) === 3);
      assert.equal((await answered).result.content[0].text, 'Counting to 3');
      const seen = [...before, ...afterKill].map((event) => countedTo(event.message)).filter(Boolean);
      lost += [1, 2, 3].filter((n) => !seen.includes(n)).length;
      duplicated += seen.length - new Set(seen).size;
      resumed.cancel();
      await cluster.restart(holder);
    }
    console.log(`# kill-and-resume rounds ${rounds}: lost ${lost} duplicated ${duplicated}`);
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
  });
});
