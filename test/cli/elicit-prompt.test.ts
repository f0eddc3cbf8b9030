import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { connect } from '../../src/client/index.js';
import { parseAnswer, terminalElicitation } from '../../src/cli/elicit-prompt.js';
import { textOf } from '../helpers/platform.js';
import { startInputServer, type InputServer } from '../client/input-server.js';

/** The terminal prompt `toolport call` answers elicitations with, driven by typed lines, against a real server. */
describe('terminal elicitation prompt', () => {
  let server: InputServer;
  before(async () => {
    server = await startInputServer();
  });
  after(async () => {
    await server.close();
  });

  /** Calls `deploy` with the prompt reading `typed` (then end of input); the server's view of the answer and what was shown. */
  async function deployTyping(typed: string, protocol: '2025-11-25' | '2026-07-28'): Promise<{ answer: unknown; shown: string }> {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    input.end(typed);
    const connection = await connect({ target: server.url, protocol, elicitation: terminalElicitation(input, output) });
    try {
      return { answer: JSON.parse(textOf(await connection.client.callTool({ name: 'deploy', arguments: {} }))) as unknown, shown };
    } finally {
      await connection.close();
    }
  }

  for (const protocol of ['2025-11-25', '2026-07-28'] as const) {
    it(`asks each field, keeps defaults on Enter, asks again after a bad answer, skips an empty optional one (${protocol})`, async () => {
      const { answer, shown } = await deployTyping('production\n\nmaybe\nno\n\n', protocol);
      assert.deepEqual(answer, { action: 'accept', content: { environment: 'production', replicas: 2, notify: false } });
      assert.match(shown, /How should I deploy\?/);
      assert.match(shown, /environment \(staging\|production\) \[staging\]: /);
      assert.match(shown, /replicas \(how many\) \[2\]: /);
      assert.match(shown, /answer y or n\n/);
      assert.match(shown, /reason \(why now\) \(optional\): /);
    });
  }

  it('declines on !decline and cancels at the end of input', async () => {
    assert.deepEqual((await deployTyping('!decline\n', '2026-07-28')).answer, { action: 'decline', content: null });
    assert.deepEqual((await deployTyping('staging\n', '2026-07-28')).answer, { action: 'cancel', content: null });
  });

  it('types answers by the field schema', () => {
    assert.deepEqual(parseAnswer({ type: 'integer', minimum: 1 }, '3'), { value: 3 });
    assert.deepEqual(parseAnswer({ type: 'integer' }, '2.5'), { error: 'enter a whole number' });
    assert.deepEqual(parseAnswer({ type: 'integer', minimum: 1, maximum: 5 }, '9'), { error: 'enter a number from 1 to 5' });
    assert.deepEqual(
      parseAnswer(
        {
          type: 'string',
          oneOf: [
            { const: 'a', title: 'A' },
            { const: 'b', title: 'B' },
          ],
        },
        'c',
      ),
      { error: 'choose one of a, b' },
    );
    assert.deepEqual(parseAnswer({ type: 'array', items: { enum: ['x', 'y', 'z'] } }, 'x, z'), { value: ['x', 'z'] });
    assert.deepEqual(parseAnswer({ type: 'array', items: { enum: ['x'] } }, 'x,w'), { error: 'not one of x: w' });
    assert.deepEqual(parseAnswer({ type: 'string', maxLength: 2 }, 'abc'), { error: 'enter 0 to 2 characters' });
  });
});
