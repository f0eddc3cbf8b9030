import { createServer } from 'node:net';

/** A loopback port that was free a moment ago (an HTTP worker's `{port}`, a bridge inside a sandbox). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
