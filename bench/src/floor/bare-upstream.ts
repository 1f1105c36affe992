// The floor under bill-service in the replicas benchmark: Node's own HTTP/2 server answering every
// request with the same small JSON body, with no framework, no RPC library and no database; with
// `--work-ms=N`, after N milliseconds of CPU work per request (work.ts).
// Usage: node bare-upstream.ts [--work-ms=N] <port>
import { createServer } from 'node:http2';
import { floorArguments } from './work.ts';

const { work, ports: [port] } = floorArguments(process.argv.slice(2));

const body = Buffer.from(JSON.stringify({
  bill: {
    id: `bill_${'0'.repeat(32)}`, customerId: 'bench-replicas', billingPeriod: '2027-01', currency: 'USD', status: 'OPEN',
    total: { amount: '22.75', currency: 'USD' },
    items: ['4.00', '6.50', '12.25'].map((amount, index) => ({ id: `li_${index}`, description: `item ${amount}`, amount: { amount, currency: 'USD' } })),
  },
}));

createServer((_request, response) => {
  work();
  response.setHeader('content-type', 'application/json');
  response.end(body);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
