import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toolport } from '../helpers/cli.js';
import { startInputServer, type InputServer } from '../client/input-server.js';

/** `toolport call` against tools that ask the client for input, run without a terminal (as scripts and CI do). */
describe('toolport call answering a tool that asks for input', () => {
  let server: InputServer;
  before(async () => {
    server = await startInputServer();
  });
  after(async () => {
    await server.close();
  });

  for (const protocol of ['2025-11-25', '2026-07-28']) {
    it(`answers an elicitation as --elicit says (${protocol})`, async () => {
      const accepted = await toolport(['call', server.url, 'deploy', '--elicit', 'accept-defaults', '--protocol', protocol]);
      assert.equal(accepted.code, 0, accepted.stderr);
      assert.deepEqual(JSON.parse(accepted.stdout), { action: 'accept', content: { environment: 'staging', replicas: 2, notify: true } });
      const declined = await toolport(['call', server.url, 'deploy', '--elicit', 'decline', '--protocol', protocol]);
      assert.deepEqual(JSON.parse(declined.stdout), { action: 'decline', content: null });
    });
  }

  it('without a terminal or --elicit offers no elicitation, and says how to answer', async () => {
    const fix = 'the tool asks its user for input: run on a terminal to be asked, or pass --elicit accept-defaults|decline|cancel';
    const modern = await toolport(['call', server.url, 'deploy', '--protocol', '2026-07-28']);
    // A client feature the call needed is a usage error (exit 2) in both revisions: the fix is a flag.
    assert.equal(modern.code, 2);
    assert.ok(modern.stderr.includes(`do not declare the required capability — ${fix}`), modern.stderr);
    // 2025-11-25: the server reports it as the tool's error.
    const legacy = await toolport(['call', server.url, 'deploy', '--protocol', '2025-11-25']);
    assert.equal(legacy.code, 2);
    assert.match(legacy.stdout, /^Cannot request input 'form' \(elicitation\/create\)/);
    assert.ok(legacy.stderr.includes(`toolport: ${fix}`), legacy.stderr);
  });

  it('refuses --elicit prompt without a terminal, and an unknown answer', async () => {
    const prompt = await toolport(['call', server.url, 'deploy', '--elicit', 'prompt']);
    assert.equal(prompt.code, 2);
    assert.equal(prompt.stderr, 'toolport: --elicit prompt needs a terminal; pass --elicit accept-defaults, decline or cancel\n');
    const unknown = await toolport(['call', server.url, 'deploy', '--elicit', 'maybe']);
    assert.equal(unknown.stderr, 'toolport: --elicit must be one of prompt, accept-defaults, decline, cancel, got "maybe"\n');
  });

  it('offers the --root directories and URIs to the tool', async () => {
    const run = await toolport(['call', server.url, 'where', '--root', '/srv/data', '--root', 'file:///home/me/project']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'file:///srv/data file:///home/me/project\n');
  });
});
