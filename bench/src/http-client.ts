// A lean HTTP/1.1 JSON client for load generators that share the machine with what they measure:
// node:http over keep-alive connections, one per client. `fetch` (undici behind the WHATWG API:
// streams, Headers, a Response per call) cost the usage benchmark's clients about 0.8 ms of CPU per
// request, as much as the gateway spent answering it, on the same two cores; this costs a fraction.
import { Agent, request } from 'node:http';

export interface JsonResponse {
  status: number;
  body: unknown;
}

export interface JsonClient {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
  get(path: string, headers?: Record<string, string>): Promise<JsonResponse>;
  close(): void;
}

/** A client of `baseUrl` keeping up to `connections` connections open (one per concurrent caller). */
export function jsonClient(baseUrl: string, connections: number): JsonClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  function send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, payload?: Buffer): Promise<JsonResponse> {
    return new Promise((resolve, reject) => {
      const call = request({
        host: url.hostname, port: url.port, path, method, agent,
        headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) as unknown });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      call.on('error', reject);
      call.end(payload);
    });
  }

  return {
    post: (path, body, headers = {}) => send('POST', path, headers, Buffer.from(JSON.stringify(body))),
    get: (path, headers = {}) => send('GET', path, headers),
    close: () => agent.destroy(),
  };
}
