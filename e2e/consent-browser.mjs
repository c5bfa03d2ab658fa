// Drives the oauth-server's consent page (AUTHORIZE_MODE=consent) in headless Chromium: approve, deny, keyboard, forgery; prints ok/not ok and "# pass N"/"# fail N".
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startOAuthServer } from './lib/oauth-server.mjs';
import { freePort } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshot = path.resolve(here, '../test-results/consent-page.png');
const chromiumPath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const clientName = 'Consent Test App';
const resource = 'http://localhost:3000/mcp';
const totals = { pass: 0, fail: 0 };

function report(passed, description, detail = '') {
  if (passed) totals.pass += 1;
  else totals.fail += 1;
  console.log(`${passed ? 'ok' : 'not ok'} - ${description}${!passed && detail ? ` (${detail})` : ''}`);
}

/** The client's redirect endpoint (/cb records each query) and a cross-site page (/forge) posting to the consent form. */
async function startCallbackServer(issuer) {
  const port = await freePort();
  const waiting = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, `http://127.0.0.1:${port}`);
    if (url.pathname === '/forge') {
      const field = (name) => `<input type="hidden" name="${name}" value="${url.searchParams.get(name)}">`;
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html><title>forge</title><form method="post" action="${issuer}/authorize/decision">${field('request_id')}${field('csrf')}<input type="hidden" name="decision" value="approve"></form><script>document.forms[0].submit()</script>`);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><html lang="en"><title>Callback</title><p>Done.</p></html>');
    waiting.shift()?.(url.searchParams);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${port}`,
    redirectUri: `http://127.0.0.1:${port}/cb`,
    next: () => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no callback within 10 s')), 10_000);
      waiting.push((query) => { clearTimeout(timer); resolve(query); });
    }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function register(base, redirectUri) {
  const response = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: clientName, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] }),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`POST /register answered ${response.status}: ${JSON.stringify(body)}`);
  return body.client_id;
}

/** A fresh PKCE pair, state and authorize URL. */
function authorization(issuer, clientId, redirectUri) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'mcp:tools', state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource,
  });
  return { verifier, state, url: `${issuer}/authorize?${query}` };
}

async function exchange(base, clientId, redirectUri, code, verifier) {
  const response = await fetch(`${base}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri, client_id: clientId, resource }),
  });
  return { status: response.status, body: await response.json() };
}

async function step(description, action) {
  try {
    await action();
  } catch (error) {
    report(false, description, error.message.split('\n')[0]);
  }
}

const as = await startOAuthServer({ AUTHORIZE_MODE: 'consent' });
let callback;
let browser;
try {
  callback = await startCallbackServer(as.issuer);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const clientId = await register(as.base, callback.redirectUri);
  const open = async (label) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const flow = authorization(as.issuer, clientId, callback.redirectUri);
    const response = await page.goto(flow.url);
    report(response?.status() === 200, `${label} the consent page answers 200`, `got ${response?.status()}`);
    return { context, page, flow };
  };
  const expectCode = async (label, flow, query) => {
    report(query.get('state') === flow.state, `${label} the callback carries the state`);
    report(query.get('iss') === as.issuer, `${label} the callback carries iss=${as.issuer}`, `got ${query.get('iss')}`);
    const code = query.get('code');
    report(Boolean(code) && !query.has('error'), `${label} the callback carries a code`, query.toString());
    const token = await exchange(as.base, clientId, callback.redirectUri, code, flow.verifier);
    report(token.status === 200 && typeof token.body.access_token === 'string', `${label} the code buys an access token at /token`, `${token.status} ${JSON.stringify(token.body)}`);
  };

  await step('(a) approve with the mouse', async () => {
    const { context, page, flow } = await open('(a)');
    const text = await page.locator('body').innerText();
    report(text.includes(clientName), '(a) the page names the client', text);
    report(text.includes('127.0.0.1'), '(a) the page names the redirect host 127.0.0.1', text);
    report(text.includes('mcp:tools'), '(a) the page lists the scope mcp:tools', text);
    report((await page.getAttribute('html', 'lang'))?.length > 0, '(a) the page declares its language (html lang)');
    report((await page.title()).trim().length > 0, '(a) the page has a title', await page.title());
    report((await page.locator('h1').count()) === 1, '(a) the page has one h1');
    await mkdir(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    const arrived = callback.next();
    await page.getByRole('button', { name: 'Approve' }).click();
    await expectCode('(a)', flow, await arrived);
    await page.waitForURL((url) => url.href.startsWith(callback.redirectUri));
    report(true, '(a) the browser lands on the callback');
    await context.close();
  });

  await step('(b) deny with the mouse', async () => {
    const { context, page, flow } = await open('(b)');
    const arrived = callback.next();
    await page.getByRole('button', { name: 'Deny' }).click();
    const query = await arrived;
    report(query.get('error') === 'access_denied', '(b) the callback carries error=access_denied', query.toString());
    report(query.get('state') === flow.state, '(b) the callback carries the state');
    report(query.get('iss') === as.issuer, `(b) the callback carries iss=${as.issuer}`, `got ${query.get('iss')}`);
    report(!query.has('code'), '(b) the callback carries no code');
    await context.close();
  });

  await step('(c) forgery, then approve with the keyboard', async () => {
    const { context, page, flow } = await open('(c)');
    const requestId = await page.inputValue('input[name=request_id]');
    const csrf = await page.inputValue('input[name=csrf]');
    const form = new URLSearchParams({ request_id: requestId, csrf, decision: 'approve' });
    const direct = await fetch(`${as.base}/authorize/decision`, { method: 'POST', body: form, redirect: 'manual' });
    report(direct.status === 403, '(c) a POST from outside the browser (no cookie) is refused with 403', `got ${direct.status}`);
    const forger = await context.newPage();
    const forged = forger.waitForResponse((r) => r.url().endsWith('/authorize/decision'));
    await forger.goto(`${callback.base}/forge?${new URLSearchParams({ request_id: requestId, csrf })}`);
    const forgedStatus = (await forged).status();
    report(forgedStatus === 403, '(c) a cross-site form post from the same browser is refused with 403', `got ${forgedStatus}`);
    await forger.close();
    await page.bringToFront();
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.value);
    await page.keyboard.press('Tab');
    const second = await page.evaluate(() => document.activeElement?.value);
    report(first === 'approve' && second === 'deny', '(c) Tab reaches Approve, then Deny', `focused ${first}, then ${second}`);
    await page.keyboard.press('Shift+Tab');
    const arrived = callback.next();
    await page.keyboard.press('Enter');
    await expectCode('(c) after Enter on Approve,', flow, await arrived);
    await context.close();
  });
} catch (error) {
  report(false, 'the consent tests ran', error.message);
} finally {
  await browser?.close();
  await callback?.close();
  await as.stop();
}
console.log(`# pass ${totals.pass}`);
console.log(`# fail ${totals.fail}`);
process.exit(totals.fail === 0 ? 0 : 1);
