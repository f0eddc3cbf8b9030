// The greet example's tools: the seed's greet_user plus small utilities that the runtime's tests lean on
// (streaming, byte-exact text, per-process state, process identity, and a worker that dies on request).
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool } from 'toolport/tools';
import { z } from 'zod';

/** Greets a user by name (the seed's greet_user, same argument and wording). */
export const greetUser = defineTool({
  name: 'greet_user',
  description: 'Greet a user by name',
  input: z.object({
    name: z.string().describe('The name of the person to greet'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: ({ name }) => `Hello, ${name}! Nice to meet you. This is a test message.`,
});

/** Counts to `steps`, reporting progress after each interval, so a caller can watch a long call advance. */
export const slowCount = defineTool({
  name: 'slow_count',
  description:
    'Counts from 1 to `steps`, waiting `intervalMs` between numbers and reporting each one as progress. ' +
    'Useful to check that long-running calls stream progress and can be cancelled.',
  input: z.object({
    steps: z.number().int().min(1).max(10000).describe('How many numbers to count (1-10000)'),
    intervalMs: z.number().int().min(0).max(600000).describe('Milliseconds to wait before each number (0-600000)'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ steps, intervalMs }, ctx) => {
    for (let i = 1; i <= steps; i += 1) {
      // sleep rejects as soon as the caller cancels, so a cancelled count stops within one tick.
      await sleep(intervalMs, undefined, { signal: ctx.signal });
      await ctx.progress(i, steps, `counted ${i} of ${steps}`);
    }
    return `counted to ${steps}`;
  },
});

/** Returns the text unchanged, so transports can be checked for byte-exact round trips of odd characters. */
export const echo = defineTool({
  name: 'echo',
  description: 'Returns the given text exactly as received.',
  input: z.object({
    text: z.string().describe('The text to send back unchanged'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: ({ text }) => text,
});

// Lives as long as this process: what one worker remembers, another worker (or session) must not see.
const memory = new Map();

/** Stores a value under a key when one is given, otherwise reads it back; state is per process. */
export const remember = defineTool({
  name: 'remember',
  description:
    'Remembers a value under a key for the life of this server process. ' +
    'With `value` it stores and returns it; without, it returns the stored value or "(unset)".',
  input: z.object({
    key: z.string().describe('Name to store the value under'),
    value: z.string().optional().describe('Value to store; omit to read the current value'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  handler: ({ key, value }) => {
    if (value !== undefined) memory.set(key, value);
    return memory.get(key) ?? '(unset)';
  },
});

/** Reports which process serves the call and what it can see, so isolation between workers can be checked. */
export const whoami = defineTool({
  name: 'whoami',
  description: 'Describes the server process: its pid, HOME, TMPDIR and the names (not values) of its environment variables.',
  input: z.object({}),
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: () =>
    JSON.stringify({
      pid: process.pid,
      home: process.env.HOME ?? null,
      tmpdir: process.env.TMPDIR ?? null,
      // Names only: values may be secrets, and names are enough to prove what leaked in.
      envKeys: Object.keys(process.env).sort(),
    }),
});

/** Ends the server process with exit code 1, so supervisors can be tested against a worker that dies mid-call. */
export const crash = defineTool({
  name: 'crash',
  description: 'Stops this server process immediately with exit code 1, without answering. Any call in flight is lost.',
  input: z.object({}),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  handler: () => {
    process.stderr.write('crash tool called: exiting with code 1\n');
    process.exit(1);
  },
});
