// A fetch-style handler served on a free loopback port: the small real HTTP servers tests stand up in front of the SDK.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendFetchResponse, toFetchRequest } from '../../src/http/index.js';

/** Serves `handle` on 127.0.0.1; `base` is `http://127.0.0.1:PORT`; `dropConnections()` tears down every open socket. */
export async function serveFetch(handle: (request: Request) => Promise<Response>): Promise<{ base: string; close(): Promise<void>; dropConnections(): void }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readBody(req, 1_000_000) : undefined;
      await sendFetchResponse(res, await handle(toFetchRequest(req, body)));
    })().catch((error: unknown) => res.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    dropConnections: () => server.closeAllConnections(),
  };
}
