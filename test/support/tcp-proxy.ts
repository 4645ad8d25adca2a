/**
 * A TCP relay between a client under test and a real service, which a test can cut: every
 * open connection is dropped and new ones are refused until it is restored, as when the
 * service restarts or the network between them fails. The service itself is never touched.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  #port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** The port it listens on (127.0.0.1), the same after a restore. */
  get port(): number {
    return this.#port;
  }

  async listen(): Promise<number> {
    const server = createServer((client) => this.#relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
    return this.#port;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }

  #relay(client: Socket): void {
    const upstream = createConnection(this.target);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
  }
}
