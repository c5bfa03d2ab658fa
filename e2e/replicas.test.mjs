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
  /** The id of the last event read, priming events included: where a resume starts. */
  lastId;
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
        if (event.id) this.lastId = event.id;
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

/**
 * The answer to a request as a resuming client gets it: when its SSE stream ends first (the
 * replica is draining and said to reconnect), the stream is resumed with `Last-Event-ID`
 * through `url`. Returns the answer and the events seen on the way.
 */
async function resumedAnswerOf(response, id, url, session) {
  if (response.headers.get('content-type')?.startsWith('application/json')) return { answer: await response.json(), events: [] };
  let reader = new SseReader(response);
  let lastId;
  const events = [];
  for (;;) {
    const event = await reader.next();
    lastId = reader.lastId ?? lastId;
    if (event === undefined) {
      if (lastId === undefined) throw new Error(`the stream ended before its priming event (request ${id}, status ${response.status}, ${response.headers.get('content-type')})`);
      reader = await openStream(url, session, lastId);
      continue;
    }
    events.push(event);
    if (event.message.id === id && !event.message.method) return { answer: event.message, events };
  }
}

const countedTo = (message) =>
  message.method === 'notifications/message' && /^Counted to \d+$/.test(message.params?.data) ? Number(message.params.data.slice(11)) : undefined;

/** Resolves once nothing accepts connections on `port` any more (at most 10 s). */
async function listenerClosed(port) {
  const net = await import('node:net');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const accepted = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!accepted) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

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

  test('a rolling restart of every replica under steady load: every call answered (retried at most), every stream resumed', async () => {
    const COUNT_TO = 6;
    const retriable = (status) => status === 502 || status === 503;
    const tally = { calls: 0, retries: 0, unretriable: [] };
    let restarting = true;
    // Steady load: four clients calling greet through the proxy, each on its own session. A
    // 502/503 or a cut connection is retried (after Retry-After when given); anything else fails.
    const greetOnce = async (session, id, name) => {
      try {
        const response = await post(cluster.url, session, call(id, 'greet', { name }));
        if (response.status !== 200) {
          await response.text();
          return { status: response.status, retryAfter: Number(response.headers.get('retry-after') ?? 0.1) };
        }
        const { answer } = await resumedAnswerOf(response, id, cluster.url, session);
        return { status: 200, text: answer.result?.content?.[0]?.text };
      } catch (error) {
        return { status: `network error (${error.cause?.code ?? error.message})`, retryAfter: 0.1 };
      }
    };
    const caller = async (n) => {
      const session = await initialize(cluster.url);
      for (let i = 1; restarting; i += 1) {
        for (let attempt = 0; ; attempt += 1) {
          const outcome = await greetOnce(session, i, `c${n}.${i}`);
          if (outcome.status === 200) {
            if (outcome.text !== `Hello, c${n}.${i}!`) tally.unretriable.push(`wrong answer ${outcome.text}`);
            break;
          }
          if (typeof outcome.status === 'number' && !retriable(outcome.status)) {
            tally.unretriable.push(`status ${outcome.status}`);
            break;
          }
          if (attempt === 20) {
            tally.unretriable.push(`still failing after 20 retries: ${outcome.status}`);
            break;
          }
          tally.retries += 1;
          await new Promise((resolve) => setTimeout(resolve, outcome.retryAfter * 1000));
        }
        tally.calls += 1;
      }
    };
    // Streams: sessions whose standalone stream (through the proxy) carries a count's log lines;
    // when the replica holding it drains, the stream ends with a retry hint and the client
    // resumes it through the proxy with Last-Event-ID.
    const follower = async () => {
      const session = await initialize(cluster.url);
      let stream = await openStream(cluster.url, session);
      const answered = post(cluster.url, session, call(1, 'count', { number: COUNT_TO })).then((response) =>
        resumedAnswerOf(response, 1, cluster.url, session),
      );
      const seen = [];
      let lastId;
      let resumes = 0;
      while (!seen.includes(COUNT_TO)) {
        const event = await stream.next();
        lastId = stream.lastId ?? lastId;
        if (event === undefined) {
          resumes += 1;
          stream = await openStream(cluster.url, session, lastId);
          continue;
        }
        const n = countedTo(event.message);
        if (n !== undefined) seen.push(n);
      }
      stream.cancel();
      const { answer } = await answered;
      return { seen, resumes, answer };
    };
    const callers = [0, 1, 2, 3].map(caller);
    const followers = [0, 1, 2, 3, 4, 5].map(follower);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      // As a surge rollout does: each old replica gets SIGTERM and drains (its counts run on,
      // its streams end with a retry hint) while its successor starts on the same port, once
      // the old one has closed its listener.
      const started = Date.now();
      const draining = [];
      for (let i = 0; i < cluster.replicas.length; i += 1) {
        const old = cluster.replicas[i];
        draining.push(old.stop());
        await listenerClosed(old.port);
        await cluster.restart(i);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const rollingMs = Date.now() - started;
      await Promise.all(draining);
      const results = await Promise.all(followers);
      restarting = false;
      await Promise.all(callers);
      let lost = 0;
      let duplicated = 0;
      for (const { seen, answer } of results) {
        lost += Array.from({ length: COUNT_TO }, (_, k) => k + 1).filter((n) => !seen.includes(n)).length;
        duplicated += seen.length - new Set(seen).size;
        assert.equal(answer.result.content[0].text, `Counting to ${COUNT_TO}`);
      }
      const resumes = results.reduce((sum, { resumes }) => sum + resumes, 0);
      console.log(
        `# rolling restart of ${cluster.replicas.length} replicas in ${rollingMs} ms: ${tally.calls} calls, ${tally.retries} retried, ${tally.unretriable.length} failed; ${results.length} streams, ${resumes} resumes, lost ${lost} duplicated ${duplicated}`,
      );
      assert.deepEqual(tally.unretriable, [], 'every failure was one the client could retry');
      assert.ok(tally.calls > 0 && resumes > 0, 'calls were made and streams were cut');
      assert.equal(lost, 0);
      assert.equal(duplicated, 0);
    } finally {
      // However this ends, the callers stop and every promise settles.
      restarting = false;
      await Promise.allSettled([...callers, ...followers]);
    }
  });
});
