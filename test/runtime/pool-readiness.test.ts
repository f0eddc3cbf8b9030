import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GREET_COMMAND, connectRuntime, testPlatform, whoami } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

/**
 * The greet server, started `delaySeconds` late: its shell adds its pid (node's, after exec) to $STARTED.spawned at
 * once and to $STARTED after the delay.
 */
const lateGreet = (delaySeconds: number): string[] => [
  'sh',
  '-c',
  `echo $$ >> "$STARTED.spawned" && sleep ${delaySeconds} && echo $$ >> "$STARTED" && exec "$@"`,
  'late-greet',
  ...GREET_COMMAND,
];

/** The first pid in a file of pids, one a line. */
const firstPid = async (file: string): Promise<number> => Number((await readFile(file, 'utf8')).split('\n')[0]);

describe('a warm pool hands out only workers whose server has loaded', () => {
  let platform: Platform;
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'toolport-pool-ready-'));
    platform = await testPlatform();
  });
  after(async () => {
    await platform.stop();
    await rm(folder, { recursive: true, force: true });
  });

  /** A process runtime of the late greet server with a one-worker pool; resolves with its $STARTED file. */
  async function lateRuntime(name: string, delaySeconds: number): Promise<string> {
    const started = join(folder, name);
    await platform.control.createRuntime(name, {
      command: lateGreet(delaySeconds),
      isolation: 'process',
      env: { STARTED: started },
      sessions: { warmPool: 1, warmPoolMin: 1 },
    });
    return started;
  }

  it('lists a refill as warm only once its server said it had loaded, not when its process was spawned', async () => {
    const started = await lateRuntime('late', 1);
    const deadline = Date.now() + 20_000;
    while (platform.runtimes.warmWorkers('late').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const [warm] = platform.runtimes.warmWorkers('late');
    assert.ok(warm !== undefined, 'the pool filled');
    assert.ok(existsSync(started), 'listed only after its delayed server had started');
    assert.equal(warm, await firstPid(started), 'the listed worker is that server');
  });

  it('gives a session that finds the pool empty the refill in flight, not a second start', async () => {
    const started = await lateRuntime('claimed', 2);
    const { client, transport } = await connectRuntime(platform, 'claimed');
    const { pid } = await whoami(client);
    assert.equal(pid, await firstPid(`${started}.spawned`), 'the session runs on the refill that was starting, the first one spawned');
    await transport.terminateSession();
  });
});
