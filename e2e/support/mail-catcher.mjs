#!/usr/bin/env node
/**
 * A local stand-in for Resend's HTTP API: the real Resend SDK posts to it through RESEND_BASE_URL.
 * POST /emails stores a message and answers like Resend; GET /__messages lists what arrived.
 */
import crypto from 'node:crypto';
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const messages = [];
const server = http.createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && req.url === '/__health') return send(200, { ok: true });
  if (req.method === 'GET' && req.url === '/__messages') return send(200, messages);
  if (req.method === 'POST' && req.url === '/__fail') {
    messages.failNext = true;
    return send(200, { ok: true });
  }
  if (req.method === 'POST' && req.url === '/emails') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
        return send(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key' });
      }
      if (messages.failNext) {
        messages.failNext = false;
        return send(500, { statusCode: 500, name: 'application_error', message: 'Simulated failure' });
      }
      let msg;
      try {
        msg = JSON.parse(body);
      } catch {
        return send(422, { statusCode: 422, name: 'validation_error', message: 'Invalid JSON' });
      }
      const id = crypto.randomUUID();
      const to = Array.isArray(msg.to) ? msg.to : [msg.to];
      messages.push({ id, time: Date.now(), from: msg.from, to, subject: msg.subject, text: msg.text ?? '', html: msg.html ?? '' });
      send(200, { id });
    });
    return;
  }
  send(404, { statusCode: 404, name: 'not_found', message: 'Not found' });
});
server.listen(port, '127.0.0.1');
