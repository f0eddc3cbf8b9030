#!/usr/bin/env node
// CPU seconds a module runtime's worker spends from spawn until it answers `initialize` (utime + stime of
// /proc/PID/stat), the cost every warm-pool refill pays. Usage: node scripts/worker-start-cost.mjs MODULE [starts]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { moduleWorkerArgv } from '../dist/runtime/module-argv.js';

const [modulePath, starts = '10'] = process.argv.slice(2);
if (!modulePath) {
  process.stderr.write('usage: worker-start-cost.mjs MODULE [starts]\n');
  process.exit(2);
}
const CLOCK_TICKS = 100;
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'start-cost', version: '0' } },
};

/** One start: CPU seconds and wall ms until the worker's answer to initialize. */
function measureOnce() {
  const began = performance.now();
  const [program, ...args] = moduleWorkerArgv(modulePath);
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.write(`${JSON.stringify(initialize)}\n`);
  return new Promise((resolve) => {
    child.stdout.once('data', () => {
      const wallMs = performance.now() - began;
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // Fields 14 and 15 (utime, stime), counted from the state field (3).
      const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      child.kill('SIGKILL');
      child.once('exit', () => resolve({ cpuSeconds, wallMs }));
    });
  });
}

const results = [];
for (let index = 0; index < Number(starts); index++) results.push(await measureOnce());
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  JSON.stringify({
    module: modulePath,
    starts: results.length,
    cpuSecondsMedian: median(results.map((result) => result.cpuSeconds)),
    wallMsMedian: Math.round(median(results.map((result) => result.wallMs))),
  }),
);
