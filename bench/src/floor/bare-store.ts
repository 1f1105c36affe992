// The floor under bill-service and its read model in the bills benchmark: Node's own HTTP/2 server
// that stores every request's JSON body as one row of its own table, one INSERT committed on its own
// (a prepared statement on a pooled connection, PostgreSQL's default durable commit), and answers
// with the row's number: the least any service writing an item where a read right after finds it
// does, with no framework, no RPC library, no validation and no event.
// Usage: node bare-store.ts <port> <database url>
import { createServer } from 'node:http2';
import pg from 'pg';

const [port, databaseUrl] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS floor_items (
  id bigserial PRIMARY KEY, path text NOT NULL, key text NOT NULL, body jsonb NOT NULL, UNIQUE (path, key))`);

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const values = [String(request.headers[':path']), String(request.headers['idempotency-key'] ?? ''), Buffer.concat(chunks).toString()];
    pool.query({ name: 'floor_insert', text: 'INSERT INTO floor_items (path, key, body) VALUES ($1, $2, $3) RETURNING id', values }).then(
      ({ rows }) => {
        response.statusCode = 201;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ id: String((rows[0] as { id: string }).id) }));
      },
      () => {
        response.statusCode = 500;
        response.end();
      },
    );
  });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
