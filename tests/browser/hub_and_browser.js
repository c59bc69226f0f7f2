// Shared pieces of the browser tests: a real ssehub process (started and stopped by PID), a
// throwaway certificate from `openssl req`, Debian's Chromium driven by playwright-core (never
// a downloaded browser), and waits that poll a condition until a deadline.
'use strict';

const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..');
const BIN = process.env.SSEHUB_BIN || path.join(REPO, 'build', 'ssehub');
const CHROMIUM = process.env.SSEHUB_CHROMIUM || '/usr/bin/chromium';

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function waitFor(pred, timeoutMs, what) {
  const deadline = Date.now() + (timeoutMs || 10000);
  for (;;) {
    const value = await pred();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`${what || 'condition'} not met within ${timeoutMs || 10000} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function makeCert(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', '2', '-subj', '/CN=ssehub-browser-test',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
    { stdio: 'ignore' });
  return { cert, key };
}

// Starts `ssehub serve` on ephemeral loopback ports; resolves once every listener is reported.
async function startHub(listen, args) {
  const stateDir = tempDir('ssehub-browser-state-');
  const argv = ['serve', '--state-dir', stateDir];
  for (const l of listen) argv.push('--listen', l);
  argv.push(...(args || []));
  const proc = spawn(BIN, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  const hub = { proc, pid: proc.pid, ports: [], stderr: '', stateDir, exited: null };
  proc.on('exit', (code, sig) => { hub.exited = { code, sig }; });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    hub.stderr += chunk;
    for (const m of chunk.matchAll(/listening on \S+:(\d+)/g)) hub.ports.push(Number(m[1]));
  });
  await waitFor(() => hub.ports.length === listen.length || hub.exited, 10000, 'hub listening')
    .catch((e) => { throw new Error(`${e.message}; stderr:\n${hub.stderr}`); });
  if (hub.exited) throw new Error(`hub exited at start: ${hub.stderr}`);
  return hub;
}

async function stopHub(hub) {
  if (!hub || hub.exited) return hub && hub.exited;
  process.kill(hub.pid, 'SIGTERM');
  try {
    await waitFor(() => hub.exited, 10000, 'hub exit after SIGTERM');
  } catch (e) {
    process.kill(hub.pid, 'SIGKILL');
    await waitFor(() => hub.exited, 5000, 'hub exit after SIGKILL');
  }
  fs.rmSync(hub.stateDir, { recursive: true, force: true });
  return hub.exited;
}

// One request to a plain listener on a connection of its own (closed after the answer), so the
// tests never leave keep-alive connections behind that /metrics would count.
function request(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false,
      headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

// The hub's /metrics over a plain listener, as {name: value}.
async function metrics(port) {
  const { text } = await request(port, 'GET', '/metrics');
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

async function publish(port, fields) {
  const res = await request(port, 'POST', '/publish', JSON.stringify(fields));
  if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${res.text}`);
  return JSON.parse(res.text);
}

// False when this ssehub was built without OpenSSL (TLS options are then a usage error).
function haveTls() {
  const r = spawnSync(BIN, ['serve', '--listen', 'tls:127.0.0.1:0', '--tls-cert', '/dev/null',
    '--tls-key', '/dev/null', '--check-config'], { encoding: 'utf8' });
  return !(r.status === 2 && /unavailable/.test(r.stderr));
}

// Debian's Chromium, headless, fresh profile. Resolves {context, close}, or {skip: reason} when
// Chromium or playwright-core is not installed (see dependency.js: a failure under CI=true).
// A Chromium that is there but does not start is an error, never a skip.
async function launchBrowser(options) {
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    return { skip: 'playwright-core is not installed: run `npm ci` in tests/browser ' +
      '(scripts/install-deps does)' };
  }
  if (!fs.existsSync(CHROMIUM)) return { skip: `no Chromium at ${CHROMIUM} (Debian package chromium)` };
  const profile = tempDir('ssehub-chromium-');
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      ignoreHTTPSErrors: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
        '--disable-features=HttpsUpgrades'],
      ...(options || {}),
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${e.message}`);
  }
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

module.exports = { haveTls, waitFor, makeCert, startHub, stopHub, metrics, publish, launchBrowser, tempDir };
