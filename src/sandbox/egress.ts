// The egress proxy of one sandbox with `network: {allow: [...]}`: an HTTP proxy on a unix socket that the sandbox's
// relay exposes inside as 127.0.0.1:PORT (HTTP_PROXY/HTTPS_PROXY). It opens CONNECT tunnels (https) and forwards
// absolute-URI requests (http) to allowed hosts and ports only; everything else gets 403 and a log line.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

/** One allow-list entry: a host (`*.example.com` for its subdomains) and a port (any web port, 80 or 443, if none). */
export interface EgressRule {
  host: string;
  port: number | undefined;
}

const ENTRY = /^(\*\.)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
const WEB_PORTS = [80, 443];

/** Parses `host[:port]`; undefined when the entry is not one (the config names the key). */
export function parseEgressRule(entry: string): EgressRule | undefined {
  const match = ENTRY.exec(entry);
  if (!match) return undefined;
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  return { host: `${match[1] ?? ''}${match[2]!.replace(/^\[|\]$/g, '')}`.toLowerCase(), port };
}

/** Whether `host:port` is on the list. */
export function egressAllowed(rules: EgressRule[], host: string, port: number): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return rules.some((rule) => {
    const hostMatches = rule.host.startsWith('*.') ? name.endsWith(rule.host.slice(1)) : name === rule.host;
    return hostMatches && (rule.port === undefined ? WEB_PORTS.includes(port) : rule.port === port);
  });
}

export interface EgressProxy {
  close(): Promise<void>;
}

/** Starts the proxy on `socket`; `onRefused` hears of every refusal (the caller logs it with runtime and session). */
export async function startEgressProxy(socket: string, rules: EgressRule[], onRefused: (target: string) => void): Promise<EgressProxy> {
  const refuse = (target: string): string => {
    onRefused(target);
    return `${target} is not on this runtime's sandbox.network.allow list`;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end('send absolute-URI requests (http://host/path) or CONNECT host:port');
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (url.protocol !== 'http:' || !egressAllowed(rules, url.hostname, port)) {
      return void res.writeHead(403, { 'content-type': 'text/plain' }).end(refuse(`${url.hostname}:${port}`));
    }
    const upstream = httpRequest({ host: url.hostname, port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) =>
      res.headersSent ? res.destroy() : res.writeHead(502, { 'content-type': 'text/plain' }).end(`cannot reach ${url.host}: ${error.message}`),
    );
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    const host = match?.[1] ?? '';
    const port = Number(match?.[2]);
    if (!match || !egressAllowed(rules, host, port)) {
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\n${refuse(req.url ?? '(no target)')}`);
      return;
    }
    const upstream = connect(port, host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) => client.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\n\r\ncannot reach ${req.url}: ${error.message}`));
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
