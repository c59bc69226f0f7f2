// node_server.js: the SSE hub a Node.js developer would write first, with only the built-in
// `http` module. GET /events subscribes; POST /publish takes the raw body as the event data
// (split into data: lines), writes one frame to every open response and answers 202 with
// {"id":"N","subscribers":N}. No history, no limits: a peer for ssehub-bench, not a product.
//
// Usage: node node_server.js [--listen 127.0.0.1:PORT]   (port 0: any; the bound address is
// printed on stderr as "info: listening on ADDR:PORT")
'use strict';
const http = require('http');

let listen = '127.0.0.1:8082';
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--listen' && i + 1 < process.argv.length) listen = process.argv[++i];
  else {
    process.stderr.write('usage: node node_server.js [--listen IPv4:PORT]\n');
    process.exit(2);
  }
}
const colon = listen.lastIndexOf(':');
const host = listen.slice(0, colon);
const port = Number(listen.slice(colon + 1));

const subscribers = new Set();
let lastId = 0;

function publish(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const data = Buffer.concat(chunks).toString('utf8');
    const id = ++lastId;
    const frame = `id: ${id}\ndata: ${data.split(/\r\n|\r|\n/).join('\ndata: ')}\n\n`;
    for (const s of subscribers) s.write(frame);
    const answer = JSON.stringify({ id: String(id), subscribers: subscribers.size });
    res.writeHead(202, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(answer),
    });
    res.end(answer);
  });
}

function subscribe(req, res) {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-store',
    'Access-Control-Allow-Origin': '*',
  });
  res.write('retry: 3000\n: ok\n\n');
  subscribers.add(res);
  req.on('close', () => subscribers.delete(res));
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/publish')) return publish(req, res);
  if (req.method === 'GET' && req.url.startsWith('/events')) return subscribe(req, res);
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
});
// A stream never completes its "request", and a publisher may pause between events.
server.requestTimeout = 0;
server.keepAliveTimeout = 120000;
server.headersTimeout = 60000;

server.listen(port, host, 4096, () => {
  process.stderr.write(`info: listening on ${host}:${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
