import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What the proxy does to the next request of a JSON-RPC method. */
export type Fault = 'status-503' | 'status-429' | 'reset-before' | 'forward-then-502';

/**
 * A real HTTP reverse proxy on 127.0.0.1 in front of an MCP endpoint, standing in for the load balancers and API
 * gateways between a client and a server: it can refuse, drop or fail chosen requests (faults queued per JSON-RPC
 * method), and can deliver response bodies one byte per write so parsers meet every possible chunk boundary.
 */
export interface FlakyProxy {
  url(path: string): string;
  /** Queues faults for the next requests of `method` (`GET` for the standalone SSE stream). */
  inject(method: string, ...faults: Fault[]): void;
  /** How many requests of each method reached the proxy, and how many it passed upstream. */
  seen: Map<string, number>;
  forwarded: Map<string, number>;
  /** Deliver every response body one byte at a time. */
  trickle: boolean;
  close(): Promise<void>;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFlakyProxy(upstream: string): Promise<FlakyProxy> {
  const faults = new Map<string, Fault[]>();
  const state = { trickle: false };
  const seen = new Map<string, number>();
  const forwarded = new Map<string, number>();

  async function forward(req: IncomingMessage, body: Buffer): Promise<Response> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers.set(name, value);
    return fetch(new URL(req.url ?? '/', upstream), { method: req.method ?? 'GET', headers, ...(body.length ? { body: new Uint8Array(body) } : {}) });
  }

  async function relay(upstreamResponse: Response, res: ServerResponse): Promise<void> {
    const headers: Record<string, string> = {};
    upstreamResponse.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'content-encoding') headers[name] = value;
    });
    res.writeHead(upstreamResponse.status, headers);
    if (!upstreamResponse.body) return void res.end();
    for await (const chunk of upstreamResponse.body as unknown as AsyncIterable<Uint8Array>) {
      if (!state.trickle) {
        res.write(chunk);
        continue;
      }
      for (const byte of chunk) {
        res.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    res.end();
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      let method = req.method ?? 'GET';
      try {
        const parsed = body.length ? (JSON.parse(body.toString('utf8')) as { method?: string }) : undefined;
        if (parsed?.method) method = parsed.method;
      } catch {
        // not JSON: keyed by HTTP method
      }
      bump(seen, method);
      const fault = faults.get(method)?.shift();
      if (fault === 'reset-before') return void req.socket.destroy();
      if (fault === 'status-503') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      if (fault === 'status-429') return void res.writeHead(429, { 'retry-after': '0', 'content-type': 'text/plain' }).end('slow down');
      bump(forwarded, method);
      const upstreamResponse = await forward(req, body);
      if (fault === 'forward-then-502') {
        // The request reached the server, but the answer is lost on the way back (a gateway timeout).
        await upstreamResponse.body?.cancel();
        return void res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
      }
      await relay(upstreamResponse, res);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: (path) => `${base}${path}`,
    inject: (method, ...list) => faults.set(method, [...(faults.get(method) ?? []), ...list]),
    seen,
    forwarded,
    get trickle() {
      return state.trickle;
    },
    set trickle(value: boolean) {
      state.trickle = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
