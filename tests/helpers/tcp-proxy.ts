import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between a client and a server on loopback, to break the connection the way networks do:
 * cut it after some bytes (mid-transfer), or keep it open and silently stop forwarding (a dead NAT).
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #cutAfter: number | null = null;
  port = 0;
  /** How many connections were opened through the proxy. */
  connections = 0;
  /** The most connections open at once since the last `resetMaxOpen()`. */
  maxOpen = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      this.connections += 1;
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      this.maxOpen = Math.max(this.maxOpen, this.#pairs.size);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#pairs.delete(pair);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.on('data', (chunk: Buffer) => upstream.write(chunk));
      upstream.on('data', (chunk: Buffer) => {
        if (this.#cutAfter !== null) {
          if (chunk.length >= this.#cutAfter) {
            const keep = this.#cutAfter;
            this.#cutAfter = null;
            if (keep > 0) client.write(chunk.subarray(0, keep));
            return void this.cutAll();
          }
          this.#cutAfter -= chunk.length;
        }
        client.write(chunk);
      });
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', () => resolve()));
    proxy.port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  resetMaxOpen(): void {
    this.maxOpen = this.#pairs.size;
  }

  /** Cuts every open connection once this many more bytes went from the server to the client. */
  cutAfterServerBytes(bytes: number): void {
    this.#cutAfter = bytes;
  }

  /** Open connections stop carrying anything in either direction, without closing; new connections work. */
  silenceOpenConnections(): void {
    for (const [client, upstream] of this.#pairs) {
      client.removeAllListeners('data');
      upstream.removeAllListeners('data');
    }
  }

  cutAll(): void {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  close(): Promise<void> {
    this.cutAll();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
