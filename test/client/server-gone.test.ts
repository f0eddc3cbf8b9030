// A call whose server goes away mid-answer ends with a clear error, in both protocol revisions, through connect()
// and through `toolport call`: the server (test/fixtures/vanishing-server.ts, a child process) accepts the call,
// starts the response's SSE stream, then drops every connection or exits.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLOSED_BEFORE_ANSWER, connect, type ProtocolChoice } from '../../src/client/index.js';
import { toolport } from '../helpers/cli.js';
import { Teardown } from '../helpers/teardown.js';

/** Far above the expected few milliseconds, far below "forever": a hung call fails the test instead of the suite. */
const PROMPTLY_MS = 3_000;
const PATHS: Record<Exclude<ProtocolChoice, 'auto'>, string> = { '2025-11-25': '/legacy', '2026-07-28': '/modern' };

/** Starts the vanishing server in `mode`; resolves with its base URL once it listens (within 20 s). */
async function startVanishing(mode: 'drop' | 'exit', teardown: Teardown): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/vanishing-server.ts', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  teardown.add(() => child.kill());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the vanishing server did not start within 20 s')), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const base = /listening on (\S+)/.exec(chunk.toString())?.[1];
      if (base) {
        clearTimeout(timer);
        resolve(base);
      }
    });
  });
}

/** The error a call to `vanish` ends with, or a failure when it has not ended within PROMPTLY_MS. */
async function vanishingCall(url: string, protocol: ProtocolChoice): Promise<string> {
  const connection = await connect({ target: url, protocol });
  try {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the call still waits after ${PROMPTLY_MS} ms`)), PROMPTLY_MS)));
    const call = connection.client.callTool({ name: 'vanish', arguments: {} }).then(
      () => assert.fail('the call was answered'),
      (error: unknown) => connection.explain(error).message,
    );
    try {
      return await Promise.race([call, hung]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

describe('a call whose server goes away', () => {
  const teardown = new Teardown();
  let dropping: string;
  before(() =>
    teardown.setup(async () => {
      dropping = await startVanishing('drop', teardown);
    }),
  );
  after(() => teardown.run());

  for (const [protocol, path] of Object.entries(PATHS) as [ProtocolChoice, string][]) {
    it(`${protocol}: connect()'s call ends promptly when the server drops the connection mid-answer`, async () => {
      assert.equal(await vanishingCall(`${dropping}${path}`, protocol), `${dropping}${path}: ${CLOSED_BEFORE_ANSWER}`);
    });

    it(`${protocol}: connect()'s call ends promptly when the server process exits mid-answer`, async () => {
      const exiting = await startVanishing('exit', teardown);
      assert.equal(await vanishingCall(`${exiting}${path}`, protocol), `${exiting}${path}: ${CLOSED_BEFORE_ANSWER}`);
    });

    it(`${protocol}: toolport call exits non-zero saying so`, async () => {
      const run = await toolport(['call', `${dropping}${path}`, 'vanish', '--protocol', protocol]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /the server closed the connection before answering \(the call may or may not have run\)/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
