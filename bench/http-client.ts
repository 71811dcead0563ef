import http from 'node:http';

/**
 * A small keep-alive HTTP client (node:http with a pooled agent): real requests over loopback,
 * with far less per-request overhead than fetch, so the load generator is not the bottleneck.
 */
export function jsonPoster(baseUrl: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);
  return {
    /** POSTs a JSON body; resolves with the status once the whole response has been read. */
    post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
      const payload = JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const request = http.request(
          { agent, hostname, port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
            response.on('error', reject);
          },
        );
        request.setTimeout(15_000, () => request.destroy(new Error(`POST ${path} timed out`)));
        request.on('error', reject);
        request.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
