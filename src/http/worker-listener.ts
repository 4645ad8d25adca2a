/**
 * What a worker node (`filemill worker`) answers on `FILEMILL_WORKER_PORT`: `/healthz` for a
 * supervisor or load balancer, `/metrics` for Prometheus — and nothing else, since a worker
 * node serves no API. Plain node:http: two routes do not need the API's framework.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../metrics.js';

export interface WorkerListener {
  url: string;
  close(): Promise<void>;
}

export async function startWorkerListener(opts: {
  host: string;
  port: number;
  node: string;
  metrics: Metrics;
}): Promise<WorkerListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok', node: opts.node }));
      return;
    }
    if (request.method === 'GET' && path === '/metrics') {
      opts.metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
          response.end(text);
        },
        () => {
          response.writeHead(500).end();
        },
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        error: { code: 'NOT_FOUND', message: 'A worker node answers /healthz and /metrics only.' },
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
