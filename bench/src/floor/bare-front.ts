// The floor under the gateway in the replicas and bills benchmarks: Node's own HTTP/1.1 server that,
// for every request, makes one HTTP/2 request to one of the upstreams (turn by turn, over one
// connection to each), with the same method, path, Idempotency-Key and body, and answers with its
// status and body: the gateway's shape (HTTP in, a call to a bill-service, the answer out) with none of its
// work; with `--work-ms=N`, after N milliseconds of CPU work per request (work.ts).
// Usage: node bare-front.ts [--work-ms=N] <port> <upstream port>...
import { createServer } from 'node:http';
import { connect } from 'node:http2';
import { floorArguments } from './work.ts';

const { work, ports: [port, ...upstreamPorts] } = floorArguments(process.argv.slice(2));
const upstreams = upstreamPorts.map((upstreamPort) => connect(`http://127.0.0.1:${upstreamPort}`));
let turn = 0;

createServer((request, response) => {
  work();
  const key = request.headers['idempotency-key'];
  const call = upstreams[turn++ % upstreams.length]!.request({
    ':method': request.method ?? 'GET', ':path': request.url ?? '/', ...(key === undefined ? {} : { 'idempotency-key': key }),
  });
  call.on('response', (headers) => {
    response.statusCode = Number(headers[':status'] ?? 502);
  });
  const chunks: Buffer[] = [];
  call.on('data', (chunk: Buffer) => chunks.push(chunk));
  call.on('end', () => {
    response.setHeader('content-type', 'application/json');
    response.end(Buffer.concat(chunks));
  });
  call.on('error', () => {
    response.statusCode = 502;
    response.end();
  });
  // A GET (the replicas benchmark's) has no body to forward.
  if (request.method === 'GET') call.end();
  else request.pipe(call);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
