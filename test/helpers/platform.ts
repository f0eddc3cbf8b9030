import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { runtimeUrl } from '../../src/http/index.js';
import { createLogger } from '../../src/log/index.js';
import { startPlatform, type Platform, type PlatformOptions } from '../../src/server/index.js';
import type { TestIssuer } from './issuer.js';

/** The demo greet server, run as a stdio worker; absolute, since a config file's paths resolve against its own folder. */
export const GREET_COMMAND = ['node', fileURLToPath(new URL('../../examples/greet/server.js', import.meta.url))];

/**
 * scrypt for tests: N=2^10 hashes in about a millisecond instead of ~0.3 s at the production N=2^17, so sign-ins and
 * user creation stop dominating identity tests. Still a real scrypt hash in the stored format; production's default
 * is checked by test/identity/server-master-key.test.ts.
 */
export const TEST_SCRYPT_COST = { N: 2 ** 10, r: 8, p: 1 };

/** A platform on a free loopback port with its own temp data dir and a cheap scrypt cost; `stop()` removes both. */
export async function testPlatform(options: Partial<PlatformOptions> = {}): Promise<Platform & { dataDir: string; stop(): Promise<void> }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'toolport-test-')));
  const platform = await startPlatform({ port: 0, logger: createLogger('error'), scryptCost: TEST_SCRYPT_COST, ...options, dataDir });
  return {
    ...platform,
    dataDir,
    async stop() {
      await platform.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A test platform with the greet server twice: `greet`, open, and `secure`, whose JWT authorizer trusts `issuer`. */
export async function platformWithSecureGreet(issuer: TestIssuer): Promise<Awaited<ReturnType<typeof testPlatform>>> {
  const platform = await testPlatform();
  await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 1 } });
  await platform.control.createRuntime('secure', {
    command: GREET_COMMAND,
    auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['toolport'] } },
    sessions: { warmPool: 0 },
  });
  return platform;
}

/** The invocation URL of a runtime. */
export function invocationUrl(platform: { url: string }, name: string, qualifier = 'DEFAULT'): URL {
  return new URL(runtimeUrl(platform.url, name, qualifier));
}

/** A connected MCP SDK client (2025-11-25 session) to a runtime. */
export async function connectRuntime(
  platform: { url: string },
  name: string,
  qualifier = 'DEFAULT',
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'toolport-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(invocationUrl(platform, name, qualifier));
  await client.connect(transport);
  return { client, transport };
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content[0]?.text ?? '';
}

/** Calls the greet server's `whoami` tool. */
export async function whoami(client: Client): Promise<{ pid: number; home: string; tmpdir: string; envKeys: string[] }> {
  return JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
}

/** Resolves once `predicate` holds, polling every 50 ms; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** True while a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
