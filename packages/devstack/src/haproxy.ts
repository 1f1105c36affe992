import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { toolPath } from './paths.ts';
import { stopProcess } from './processes.ts';

export interface HaproxyOptions {
  /** The gateways' base URLs (`http://127.0.0.1:3001`); they become servers gw1, gw2, ... */
  gateways: string[];
  /** 0 or unset picks a free port. */
  port?: number;
  /**
   * For tests: a request with `x-gateway: gwN` goes to that gateway while it is up, and every
   * answer names the gateway that gave it in `x-served-by`.
   */
  pinning?: boolean;
  print?: (line: string) => void;
}

export interface Haproxy {
  url: string;
  stop(): Promise<void>;
}

/**
 * HAProxy's configuration in front of the gateways (docs/deploy.md, "Several replicas"): HTTP
 * mode, each request to the next gateway that is up (`/readyz` checked every half second), a
 * request whose connection was refused sent to another gateway, and long client and server
 * timeouts so an SSE stream outlives its heartbeats.
 */
export function haproxyConfig(port: number, gateways: string[], pinning = false): string {
  const servers = gateways.map((url, index) => ({ name: `gw${index + 1}`, host: new URL(url).host }));
  return [
    'global',
    '  maxconn 4000',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout check 2s',
    '  retries 3',
    '  option redispatch 1',
    '',
    'frontend api',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    '',
    'backend gateways',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  default-server check inter 500ms fall 2 rise 1',
    ...(pinning
      ? ['  http-response set-header x-served-by %[srv_name]',
        ...servers.map((server) => `  use-server ${server.name} if { req.hdr(x-gateway) -m str ${server.name} }`)]
      : []),
    ...servers.map((server) => `  server ${server.name} ${server.host}`),
    '',
  ].join('\n');
}

/** Starts HAProxy (the bootstrap's, see toolPath) in front of `gateways`; resolves once it answers. */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const port = options.port || await freePort();
  const folder = await mkdtemp(join(tmpdir(), 'haproxy-'));
  const config = join(folder, 'haproxy.cfg');
  await writeFile(config, haproxyConfig(port, options.gateways, options.pinning));
  // -db: in the foreground, so it is this process's child and stops with it.
  const child = spawn(toolPath('haproxy'), ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().trimEnd().split('\n')) options.print?.(`haproxy      | ${line}`);
    });
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(child, 2_000);
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await waitFor('haproxy', async () => {
      if (exited) throw new Error('haproxy exited during start-up');
      return (await fetch(`${url}/readyz`)).ok;
    }, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
