/**
 * Log messages through a gateway: every caller sets its own level (2025-11-25 `logging/setLevel` on its session,
 * 2026-07-28 the log level in each request's envelope) and gets only its own call's messages at that level, while
 * the calls of several callers run at once over the one shared upstream session of a 2026-07-28 target and of a
 * 2025-11-25 target.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOG_LEVEL_META_KEY, type Client, type LoggingMessageNotificationParams } from '@modelcontextprotocol/client';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway, textOf, type Era } from './helpers.js';
import { startUpstream, textTools, type ToolBehaviour, type Upstream } from './upstream.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

/** The levels the fixture tool logs at, least severe first. */
const LEVELS = ['debug', 'info', 'warning', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** Logs `{text} {level}` at every level, pausing between messages so concurrent calls interleave on the shared session. */
const chatty: ToolBehaviour = async (_name, args, _signal, log) => {
  for (const level of LEVELS) {
    await log(level, `${String(args.text)} ${level}`, 'chatty');
    await new Promise((done) => setTimeout(done, 15));
  }
  return { content: [{ type: 'text', text: `done ${String(args.text)}` }] };
};

interface Caller {
  name: string;
  era: Era;
  level?: Level;
}

/** Callers of both revisions, with different levels and without one, calling at the same time. */
const CALLERS: Caller[] = [
  { name: 'legacy-warning', era: 'legacy', level: 'warning' },
  { name: 'legacy-info', era: 'legacy', level: 'info' },
  { name: 'modern-debug', era: 'modern', level: 'debug' },
  { name: 'modern-error', era: 'modern', level: 'error' },
  { name: 'legacy-silent', era: 'legacy' },
  { name: 'modern-silent', era: 'modern' },
];

/** The messages a caller should get from its own call: those at or above its level, none without one. */
function expectedLogs(name: string, level: Level | undefined): string[] {
  if (level === undefined) return [];
  return LEVELS.slice(LEVELS.indexOf(level)).map((at) => `${name} ${at}`);
}

/** A connected caller that records the log messages it receives. */
async function connectCaller(platform: Platform, era: Era): Promise<{ client: Client; logs: LoggingMessageNotificationParams[] }> {
  const client = await connectGateway(platform, 'logs', { era });
  const logs: LoggingMessageNotificationParams[] = [];
  client.setNotificationHandler('notifications/message', (notification) => {
    logs.push(notification.params);
  });
  return { client, logs };
}

/** Calls the target's chatty tool; a 2026-07-28 caller names its level in the request's envelope. */
async function callChatty(client: Client, target: string, caller: { name: string; era: Era; level?: Level }): Promise<string> {
  const envelopeLevel = caller.era === 'modern' && caller.level ? { _meta: { [LOG_LEVEL_META_KEY]: caller.level } } : {};
  return textOf(await client.callTool({ name: `${target}___chatty`, arguments: { text: caller.name }, ...envelopeLevel }));
}

describe('a gateway forwards log messages to the caller of the call that produced them', () => {
  let platform: Platform;
  let modernUpstream: Upstream;
  let legacyUpstream: Upstream;

  before(async () => {
    platform = await testPlatform();
    modernUpstream = await startUpstream({ tools: textTools('chatty'), behaviour: chatty, logging: true });
    legacyUpstream = await startUpstream({ tools: textTools('chatty'), behaviour: chatty, logging: true, legacyOnly: true });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'logs',
      targets: [
        { name: 'modern', type: 'mcp', url: modernUpstream.url },
        { name: 'legacy', type: 'mcp', url: legacyUpstream.url },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => modernUpstream?.close(),
      () => legacyUpstream?.close(),
    ),
  );

  it('declares logging and answers logging/setLevel for a 2025-11-25 session', async () => {
    const { client } = await connectCaller(platform, 'legacy');
    assert.ok(client.getServerCapabilities()?.logging, 'logging capability');
    assert.deepEqual(await client.setLoggingLevel('notice'), {});
    await client.close();
  });

  // Runs before any other call reaches the 2025-11-25 upstream, whose one session-wide level starts unset.
  it('lowers the shared level of a 2025-11-25 upstream when a later caller asks for less severe messages', async () => {
    const strict = await connectCaller(platform, 'legacy');
    await strict.client.setLoggingLevel('error');
    await callChatty(strict.client, 'legacy', { name: 'strict', era: 'legacy' });
    assert.deepEqual(
      strict.logs.map((log) => log.data),
      expectedLogs('strict', 'error'),
    );
    const verbose = await connectCaller(platform, 'modern');
    await callChatty(verbose.client, 'legacy', { name: 'verbose', era: 'modern', level: 'debug' });
    assert.deepEqual(
      verbose.logs.map((log) => log.data),
      expectedLogs('verbose', 'debug'),
      'the upstream now sends debug messages too',
    );
    await Promise.all([strict.client.close(), verbose.client.close()]);
  });

  for (const target of ['modern', 'legacy'] as const) {
    it(`gives each of several concurrent callers only its own call's messages, at its own level (${target} upstream)`, async () => {
      const connected = await Promise.all(CALLERS.map((caller) => connectCaller(platform, caller.era)));
      await Promise.all(CALLERS.map((caller, i) => (caller.era === 'legacy' && caller.level ? connected[i]!.client.setLoggingLevel(caller.level) : undefined)));
      const answers = await Promise.all(CALLERS.map((caller, i) => callChatty(connected[i]!.client, target, caller)));
      for (const [i, caller] of CALLERS.entries()) {
        const { logs } = connected[i]!;
        assert.equal(answers[i], `done ${caller.name}`);
        assert.deepEqual(
          logs.map((log) => log.data),
          expectedLogs(caller.name, caller.level),
          `${caller.name} (${caller.era}, level ${caller.level ?? 'unset'}) got exactly its own messages`,
        );
        for (const log of logs) assert.equal(log.logger, 'chatty', 'the logger name passes through');
      }
      await Promise.all(connected.map(({ client }) => client.close()));
    });
  }

  it("applies a 2025-11-25 caller's new level to its later calls", async () => {
    const { client, logs } = await connectCaller(platform, 'legacy');
    await client.setLoggingLevel('error');
    await callChatty(client, 'legacy', { name: 'first', era: 'legacy' });
    await client.setLoggingLevel('info');
    await callChatty(client, 'legacy', { name: 'second', era: 'legacy' });
    assert.deepEqual(
      logs.map((log) => log.data),
      [...expectedLogs('first', 'error'), ...expectedLogs('second', 'info')],
    );
    await client.close();
  });
});
