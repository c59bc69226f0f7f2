// Helpers for the browser tests: the hub, a cross-origin page server and headless Chromium,
// each started as a real process (or server) on loopback and stopped by PID at the end.
// Every wait is a loop on a condition with a deadline; nothing sleeps and hopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

export const CHROMIUM = process.env.SSEHUB_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// ------------------------------------------------------------------ processes

// Every child we start, so that a failing test (or an early exit) still ends them by PID.
const children = new Set();

function killNow(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Chromium runs in its own process group (detached): end the group, not just the leader.
    process.kill(child.groupLeader ? -child.pid : child.pid, signal);
  } catch { /* already gone */ }
}

process.on('exit', () => {
  for (const c of children) killNow(c, 'SIGKILL');
});
// Interrupted (ctest's timeout, ^C): end what we started, then go.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const c of children) killNow(c, 'SIGKILL');
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

function track(child) {
  children.add(child);
  child.exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return child;
}

// Waits up to ms for the child to exit; returns {code, signal} or null on timeout.
async function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode };
  }
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); });
  try {
    return await Promise.race([child.exitPromise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Signal, wait (bounded), SIGKILL if it is still there. Returns {code, signal, killed}.
async function terminate(child, signal = 'SIGTERM', ms = 10000) {
  killNow(child, signal);
  const r = await waitExit(child, ms);
  if (r) return { ...r, killed: false };
  killNow(child, 'SIGKILL');
  const k = await waitExit(child, 10000);
  return { ...(k || { code: null, signal: 'SIGKILL' }), killed: true };
}

// ------------------------------------------------------------------ waiting

// Polls pred (sync or async) until it returns a truthy value, which is returned; throws with
// message when timeoutMs passes first.
export async function waitUntil(pred, { timeoutMs = 10000, intervalMs = 25, message } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = message || `condition not met within ${timeoutMs} ms`;
      throw new Error(lastError ? `${why} (last error: ${lastError.message})` : why);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ------------------------------------------------------------------ the hub

const SYSTEMD_VARS = ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'NOTIFY_SOCKET',
  'JOURNAL_STREAM', 'WATCHDOG_USEC', 'WATCHDOG_PID'];

export function hubBinary() {
  const bin = process.env.SSEHUB_BIN || path.join(REPO, 'build', 'ssehub');
  if (!existsSync(bin)) throw new Error(`ssehub binary not found at ${bin}: build it or set SSEHUB_BIN`);
  return bin;
}

// One `ssehub serve` process on 127.0.0.1. port 0: ephemeral; stateDir: kept across restarts.
export class Hub {
  constructor({ port = 0, stateDir, args = [] } = {}) {
    this.ownStateDir = !stateDir;
    this.stateDir = stateDir || mkdtempSync(path.join(os.tmpdir(), 'ssehub-browser-state-'));
    this.requestedPort = port;
    this.args = args;
    this.log = [];
  }

  async start() {
    const env = { ...process.env };
    for (const v of SYSTEMD_VARS) delete env[v];
    const cmd = ['serve', '--listen', `127.0.0.1:${this.requestedPort}`,
      '--state-dir', this.stateDir, ...this.args];
    this.port = undefined; // set again from what this process prints
    this.log.push(`-- ssehub ${cmd.join(' ')}`);
    const child = track(spawn(hubBinary(), cmd, { env, stdio: ['ignore', 'ignore', 'pipe'] }));
    this.child = child;
    let buf = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s) => {
      buf += s;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.log.push(line);
        const m = /\binfo: listening on 127\.0\.0\.1:(\d+)/.exec(line);
        if (m) this.port = Number(m[1]);
      }
    });
    await waitUntil(() => this.port || child.exitCode !== null || child.signalCode !== null,
      { timeoutMs: 10000 }).catch(() => {});
    if (!this.port) {
      const status = child.exitCode ?? child.signalCode ?? 'still running';
      await terminate(child, 'SIGKILL');
      throw new Error(`hub did not report its listener within 10 s (exit status: ${status}):\n`
        + this.log.join('\n'));
    }
    this.requestedPort = this.port; // a restart comes back on the same port
    return this;
  }

  get pid() { return this.child.pid; }
  get url() { return `http://127.0.0.1:${this.port}`; }
  alive() { return this.child && this.child.exitCode === null && this.child.signalCode === null; }

  // SIGTERM and wait; returns the exit status (the hub must exit 0 on SIGTERM). start() again
  // brings it back on the same port with the same state dir.
  async stop() {
    if (!this.child) return null;
    const r = await terminate(this.child, 'SIGTERM', 10000);
    return r.killed ? null : r.code;
  }

  async cleanup() {
    if (this.child) await terminate(this.child, 'SIGKILL', 5000);
    if (this.ownStateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }

  async metric(name) {
    const r = await fetch(`${this.url}/metrics`);
    const text = await r.text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`metric ${name} not found in /metrics`);
    return Number(m[1]);
  }

  async waitSubscribers(n, timeoutMs = 10000) {
    return waitUntil(async () => (await this.metric('ssehub_subscribers')) === n,
      { timeoutMs, message: `hub never had ${n} subscriber(s)` });
  }

  // POST /publish (form) -> {status, json}
  async publish(fields) {
    const r = await fetch(`${this.url}/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const text = await r.text();
    return { status: r.status, json: r.status === 202 ? JSON.parse(text) : null, text };
  }
}

// Event ids look like "<number>-<number>"; compare them as numbers.
export function compareIds(a, b) {
  const pa = a.split('-').map(BigInt);
  const pb = b.split('-').map(BigInt);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1n;
    const y = pb[i] ?? -1n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// ------------------------------------------------------------------ curl

// Runs curl (bounded) and returns {status, body}. Used where the tests mean "published with curl".
export function curl(args) {
  const r = spawnSync('curl', ['-sS', '--noproxy', '*', '--max-time', '10', '-w', '\n%{http_code}', ...args],
    { encoding: 'utf8', timeout: 15000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`curl failed (${r.status}): ${r.stderr}`);
  const i = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}

// ------------------------------------------------------------------ a page server

// A tiny HTTP server on 127.0.0.1 (another port, so another origin than the hub) serving
// fixed pages: pages maps a path to an HTML string.
export async function startPageServer(pages) {
  const server = http.createServer((req, res) => {
    const body = pages[new URL(req.url, 'http://x').pathname];
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

// ------------------------------------------------------------------ Chromium

export function loadPlaywright() {
  const require = createRequire(path.join(HERE, 'package.json'));
  try {
    return require('playwright-core');
  } catch (err) {
    throw new Error('playwright-core is not installed in tests/browser: run scripts/install-deps '
      + `(it runs npm ci there): ${err.message}`);
  }
}

// Starts Debian's Chromium headless with a fresh profile and a DevTools port on loopback, then
// connects playwright-core to it over CDP. Returns {browser, pid, close()}, or {skip: reason}
// when Chromium or playwright-core is not installed (a failure under CI=true: see
// dependency.js). A Chromium that is there but does not start throws: a failure, always.
// extraArgs: more command-line switches (e.g. --host-resolver-rules).
export async function startChromium(extraArgs = []) {
  let chromium;
  try {
    ({ chromium } = loadPlaywright());
  } catch (err) {
    return { skip: err.message };
  }
  if (!existsSync(CHROMIUM)) return { skip: `Chromium not found at ${CHROMIUM} (Debian package chromium)` };
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ssehub-chromium-'));
  // Loopback only: no proxy, and no host name resolves (the tests use 127.0.0.1 literals).
  const args = [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--no-proxy-server',
    ...(extraArgs.some((a) => a.startsWith('--host-resolver-rules='))
      ? [] : ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']),
    ...extraArgs,
    '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'];
  let child;
  try {
    child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium cannot start: ${err.message}`);
  }
  child.groupLeader = true;
  track(child);
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  let stderr = '';
  let endpoint = null;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => {
    if (stderr.length < 64 * 1024) stderr += s;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
    if (m) endpoint = m[1];
  });
  let failure = null;
  spawnError.then((err) => { failure = `Chromium cannot start: ${err.message}`; });
  try {
    await waitUntil(() => {
      if (failure) return true;
      if (child.exitCode !== null || child.signalCode !== null) {
        failure = `Chromium exited at start (status ${child.exitCode ?? child.signalCode})`;
        return true;
      }
      return endpoint;
    }, { timeoutMs: 30000, message: 'no DevTools endpoint within 30 s' });
  } catch (err) {
    failure = `Chromium did not start: ${err.message}`;
  }
  const close = async () => {
    await terminate(child, 'SIGTERM', 5000);
    // Renderer and zygote children share the group: make sure none outlives the browser.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* none left */ }
    rmSync(profile, { recursive: true, force: true });
  };
  if (failure) {
    await close();
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${failure}${tail ? `; its stderr ends:\n${tail}` : ''}`);
  }
  let browser;
  try {
    browser = await chromium.connectOverCDP(endpoint, { timeout: 30000 });
  } catch (err) {
    // Chromium is running but playwright-core cannot drive it: that is a failure, not a skip.
    await close();
    throw err;
  }
  return {
    browser,
    pid: child.pid,
    version: browser.version(),
    close: async () => {
      try { await browser.close(); } catch { /* disconnecting only */ }
      await close();
    },
  };
}

// ------------------------------------------------------------------ a test with a context

// test(name) with a fresh browser context of state.chrome (skipped with state.skipReason;
// state.contextOptions for playwright's newContext);
// body gets {context, newPage(), hub(args), pages(map), pageErrors}; hubs, page servers and the
// context
// end afterwards, pass or fail. An error a page raises fails the test.
export function browserTest(state, name, body) {
  test(name, async (t) => {
    if (state.skipReason) {
      t.skip(state.skipReason);
      return;
    }
    const cleanups = [];
    const pageErrors = [];
    const context = await state.chrome.browser.newContext(state.contextOptions || {});
    cleanups.push(() => context.close());
    const ctx = {
      context,
      pageErrors,
      async newPage() {
        const page = await context.newPage();
        page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
        return page;
      },
      // args: the hub's arguments, or Hub's options ({args, port, stateDir}).
      async hub(args = []) {
        const h = new Hub(Array.isArray(args) ? { args } : args);
        cleanups.push(() => h.cleanup());
        await h.start();
        return h;
      },
      async pages(map) {
        const s = await startPageServer(map);
        cleanups.push(() => s.close());
        return s;
      },
    };
    try {
      await body(ctx);
      assert.deepEqual(pageErrors, [], 'the page raised errors');
    } finally {
      for (const c of cleanups.reverse()) {
        try { await c(); } catch (err) { console.error(`cleanup: ${err.message}`); }
      }
    }
  });
}

// The hub is still there, and exits 0 on SIGTERM.
export async function stopChecked(hub) {
  assert.ok(hub.alive(), `hub died during the test:\n${hub.log.join('\n')}`);
  assert.equal(await hub.stop(), 0, `hub exit status on SIGTERM:\n${hub.log.join('\n')}`);
}

// ------------------------------------------------------------------ tokens

// An HS256 JWT signed with secret (what `ssehub token` makes, minted here with node's crypto).
export function mintHs256(payload, secret) {
  const b64url = (buf) => Buffer.from(buf).toString('base64url');
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  return `${head}.${b64url(crypto.createHmac('sha256', secret).update(head).digest())}`;
}
