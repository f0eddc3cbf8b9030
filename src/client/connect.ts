import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { resolveTarget, type TargetOptions } from './target.js';

/** How to reach and authenticate to an MCP endpoint. */
export interface ConnectOptions extends TargetOptions {
  target: string;
  /** Bearer token sent as `Authorization: Bearer …` (never logged). */
  token?: string;
  /** Client name shown to the server. */
  clientName?: string;
}

/** A connected MCP client and what it is connected to. */
export interface Connection {
  client: Client;
  url: URL;
  close(): Promise<void>;
}

/** Explains an HTTP failure of the MCP endpoint with its likely fix. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
  }
}

/** The server's own JSON-RPC error message when the SDK wrapped an HTTP error body around it. */
function serverMessage(text: string): string {
  const body = /\{.*\}/s.exec(text)?.[0];
  try {
    const parsed = body ? (JSON.parse(body) as { error?: { message?: string } }) : undefined;
    return parsed?.error?.message ?? text;
  } catch {
    return text;
  }
}

function explain(url: URL, error: unknown): ConnectionError {
  const raw = (error as Error).message ?? String(error);
  const message = serverMessage(raw);
  const status = (error as { data?: { status?: number }; status?: number }).data?.status ?? (error as { status?: number }).status;
  if (status === 401 || /\b401\b|invalid_token|Unauthorized|bearer token/i.test(raw)) {
    return new ConnectionError(`401 from ${url.origin}: ${message} — pass --token or set TOOLPORT_TOKEN`);
  }
  if (status === 403 || /\b403\b|insufficient_scope/i.test(raw)) return new ConnectionError(`403 from ${url.origin}: ${message} — use a token with the scope named`);
  if (/ECONNREFUSED|fetch failed/i.test(raw)) return new ConnectionError(`cannot reach ${url.origin}: is the server running? (start it with: toolport up)`);
  return new ConnectionError(`${url.href}: ${message}`);
}

/** Connects an MCP SDK client to a target (2025-11-25 session; the SDK negotiates the version). */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const url = resolveTarget(options.target, options);
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const client = new Client({ name: options.clientName ?? 'toolport-cli', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw explain(url, error);
  }
  return {
    client,
    url,
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}
