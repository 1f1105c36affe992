#!/usr/bin/env node
// Health probe shipped inside every app image (and used by scripts/check-deploy.ts), so a
// container healthcheck needs nothing but the Node that already runs the app: no curl, no
// grpc_health_probe binary.
//
//   node healthcheck.mjs http://127.0.0.1:3000/readyz        -> GET, healthy on 2xx
//   node healthcheck.mjs grpc://127.0.0.1:50052              -> grpc.health.v1.Health/Check, whole server
//   node healthcheck.mjs grpc://127.0.0.1:50052/rates.v1.RatesService -> the same, for one service
//
// Exit code 0 means healthy; anything else prints one line saying why. Plain JavaScript with
// no dependencies, because it is copied into images next to a production-only deploy.
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { connect } from 'node:http2';
import { clearTimeout, setTimeout } from 'node:timers';

const TIMEOUT_MS = 3000;
const SERVING = 1;

function fail(message) {
  process.stderr.write(`unhealthy: ${message}\n`);
  process.exit(1);
}

async function probeHttp(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await response.text();
  if (!response.ok) fail(`${url} answered ${response.status} ${body.slice(0, 200)}`);
  return `${url} answered ${response.status}`;
}

/** HealthCheckRequest { string service = 1; } encoded by hand: tag 0x0a, varint length, bytes. */
function encodeHealthCheckRequest(service) {
  const name = Buffer.from(service, 'utf8');
  if (name.length > 127) throw new Error('service name too long for this probe');
  const message = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  const frame = Buffer.alloc(5);
  frame.writeUInt8(0, 0); // not compressed
  frame.writeUInt32BE(message.length, 1);
  return Buffer.concat([frame, message]);
}

/** Reads HealthCheckResponse.status (field 1, varint) from one gRPC length-prefixed frame. */
function decodeServingStatus(frame) {
  if (frame.length < 5) return 0;
  const length = frame.readUInt32BE(1);
  const message = frame.subarray(5, 5 + length);
  // proto3 leaves a zero status (UNKNOWN) out entirely, so an empty message means UNKNOWN.
  if (message.length >= 2 && message[0] === 0x08) return message[1];
  return 0;
}

function probeGrpc(url) {
  const service = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const target = `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${url.port || '80'}`;
  return new Promise((resolve, reject) => {
    const session = connect(`http://${target}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no answer from ${target} within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    const finish = (error, result) => {
      clearTimeout(timer);
      session.close();
      if (error) reject(error);
      else resolve(result);
    };
    session.on('error', (error) => finish(error));

    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks = [];
    let grpcStatus;
    let grpcMessage = '';
    const readStatus = (headers) => {
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(headers['grpc-message']));
    };
    stream.on('response', readStatus); // a trailers-only answer carries grpc-status here
    stream.on('trailers', readStatus);
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', (error) => finish(error));
    stream.on('end', () => {
      if (grpcStatus !== '0') {
        finish(new Error(`grpc-status ${grpcStatus ?? 'missing'} ${grpcMessage}`.trim()));
        return;
      }
      const status = decodeServingStatus(Buffer.concat(chunks));
      const names = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
      const label = names[status] ?? String(status);
      if (status !== SERVING) finish(new Error(`${target} ${service || '(server)'} is ${label}`));
      else finish(undefined, `${target} ${service || '(server)'} is SERVING`);
    });
    stream.end(encodeHealthCheckRequest(service));
  });
}

async function main() {
  const raw = process.argv[2];
  if (!raw) fail('usage: healthcheck.mjs <http://host:port/path | grpc://host:port[/service]>');
  const url = new URL(raw);
  let result;
  if (url.protocol === 'http:' || url.protocol === 'https:') result = await probeHttp(url);
  else if (url.protocol === 'grpc:') result = await probeGrpc(url);
  else fail(`unsupported scheme ${url.protocol} (use http:, https: or grpc:)`);
  if (process.argv.includes('--verbose')) process.stdout.write(`healthy: ${result}\n`);
}

function describe(error) {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps the reason (refused, DNS, timeout) in `cause`.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

main().catch((error) => fail(describe(error)));
