#!/usr/bin/env node
// What `npm test` needs beyond node_modules: Debian's Chromium (browser tests), PostgreSQL on 127.0.0.1:5432 (store
// tests), Redis on 127.0.0.1:6379 (cluster) and bubblewrap (sandboxed runtimes). Installs or starts what it can (as
// root with apt), otherwise stops within seconds with the exact command that fixes each missing piece. Quiet and
// fast when everything is present. The addresses follow the tests' own overrides (TOOLPORT_CHROMIUM,
// TOOLPORT_TEST_POSTGRES_URL, TOOLPORT_TEST_REDIS_URL); only the defaults are installed or started here.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

const CHROMIUM_PATH = '/usr/bin/chromium';
const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no';
const APT_INSTALL = (packages) => `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;

const env = {
  chromium: process.env.TOOLPORT_CHROMIUM || CHROMIUM_PATH,
  postgres: process.env.TOOLPORT_TEST_POSTGRES_URL || POSTGRES_URL,
  redis: process.env.TOOLPORT_TEST_REDIS_URL || REDIS_URL,
};

/** The full path of `command` on PATH, or undefined. */
function which(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, command);
    if (isExecutable(path)) return path;
  }
  return undefined;
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Sends `PING` to a Redis server; resolves with undefined on `+PONG`, else with what went wrong. */
function pingRedis(url, timeoutMs = 2_000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (problem) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('error', (error) => done(error.code ?? error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') ? undefined : `unexpected answer ${JSON.stringify(data.toString().trim())}`));
  });
}

/** Connects to PostgreSQL and runs `SELECT 1`; resolves with undefined, or with the error's code and message. */
async function queryPostgres(url, timeoutMs = 2_000) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return { code: error.code ?? '', message: error.message || String(error.code) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Retries `check` (which resolves with a problem or undefined) for up to `timeoutMs`; resolves with the last problem. */
async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problem = await check();
    if (problem === undefined || Date.now() >= deadline) return problem;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs a shell command for an install or start, its output shown; true when it exited 0. */
function run(command) {
  console.error(`prerequisites: ${command}`);
  return spawnSync('sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

const canInstall = process.getuid?.() === 0 && which('apt-get') !== undefined;
const postgresStart = (version = '$(ls /etc/postgresql)') => `pg_ctlcluster --skip-systemctl-redirect ${version} main start`;
const postgresDown = (problem) => problem !== undefined && ['ECONNREFUSED', 'ECONNRESET'].includes(problem.code);

/** The installed PostgreSQL version's cluster folder (Debian's /etc/postgresql/{version}), or undefined. */
function postgresVersion() {
  try {
    return readdirSync('/etc/postgresql', { withFileTypes: true }).find((entry) => entry.isDirectory())?.name;
  } catch {
    return undefined;
  }
}

// Every check at once, so a machine missing everything still answers within a couple of seconds.
const missingModule = { code: 'MODULE', message: 'node_modules is missing' };
const checks = await Promise.all([pingRedis(env.redis), queryPostgres(env.postgres).catch(() => missingModule)]);
let [redisProblem, postgresProblem] = checks;
if (postgresProblem === missingModule) {
  console.error('npm test: the pg package is missing. Fix: npm ci');
  process.exit(1);
}
let chromiumPresent = isExecutable(env.chromium);
let bwrapPath = which('bwrap');

// Install what is missing from Debian, in one apt run.
const packages = [];
if (!chromiumPresent && env.chromium === CHROMIUM_PATH) packages.push('chromium');
if (!bwrapPath) packages.push('bubblewrap');
if (redisProblem && env.redis === REDIS_URL && !which('redis-server')) packages.push('redis-server');
if (postgresDown(postgresProblem) && env.postgres === POSTGRES_URL && postgresVersion() === undefined) packages.push('postgresql');
if (canInstall && packages.length > 0 && run(APT_INSTALL(packages))) {
  chromiumPresent = isExecutable(env.chromium);
  bwrapPath = which('bwrap');
}

// Start the local services that are installed but not running.
if (redisProblem && env.redis === REDIS_URL && which('redis-server') && run(REDIS_START)) redisProblem = await waitFor(() => pingRedis(env.redis), 5_000);
const cluster = postgresVersion();
if (postgresDown(postgresProblem) && env.postgres === POSTGRES_URL && cluster && which('pg_ctlcluster') && run(postgresStart(cluster))) {
  postgresProblem = await waitFor(() => queryPostgres(env.postgres), 30_000);
}

const problems = [];
if (!chromiumPresent) {
  problems.push(`Chromium is not at ${env.chromium} (the browser tests drive it). Fix: ${APT_INSTALL(['chromium'])}  (or set TOOLPORT_CHROMIUM to its path)`);
}
if (!bwrapPath) problems.push(`bubblewrap (bwrap) is not on PATH (sandboxed runtimes use it). Fix: ${APT_INSTALL(['bubblewrap'])}`);
if (redisProblem) {
  const fix = which('redis-server') ? REDIS_START : `${APT_INSTALL(['redis-server'])} && ${REDIS_START}`;
  problems.push(`Redis at ${env.redis} does not answer PING (${redisProblem}). Fix: ${fix}`);
}
if (postgresProblem) {
  const where = new URL(env.postgres);
  const problem = `PostgreSQL at ${where.host}${where.pathname} refused the tests (${postgresProblem.message})`;
  if (postgresProblem.code === '3D000') problems.push(`${problem}. Fix: su postgres -c "createdb ${where.pathname.slice(1)}"`);
  else if (postgresProblem.code === '28P01' || postgresProblem.code === '28000') {
    problems.push(
      `${problem}. Fix: allow user ${where.username || 'postgres'} from 127.0.0.1 with "trust" in /etc/postgresql/*/main/pg_hba.conf, then ${postgresStart().replace(' start', ' reload')}`,
    );
  } else {
    const start = cluster ? postgresStart(cluster) : `${APT_INSTALL(['postgresql'])} && ${postgresStart()}`;
    problems.push(`${problem}. Fix: ${start}`);
  }
}

if (problems.length > 0) {
  console.error(`npm test needs what this machine lacks${canInstall ? '' : ' (installing needs root and apt-get)'}:`);
  for (const problem of problems) console.error(`- ${problem}`);
  process.exit(1);
}
