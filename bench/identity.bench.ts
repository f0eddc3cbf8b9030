// Identity benchmark: client_credentials tokens per second from the platform's authorization server over HTTP
// (sequential, and 8 concurrent requests), and the cost per request of the jwt inbound authorizer with a warm JWKS
// cache (`JwtAuthorizer.verify` over a real token, in process), next to a bare `jose.jwtVerify` as the reference.
//
// Run: npm run bench   (builds, runs the runtime and gateway benches, then: node --import tsx bench/identity.bench.ts)
// Prints tables and writes the same results to docs/benchmarks.md, between the identity-bench markers.
// Everything targets 127.0.0.1; every loop is bounded in count; the platform started here is stopped.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { JwtAuthorizer } from '../src/identity/index.js';
import { createLogger } from '../src/log/index.js';
import { startPlatform, type Platform } from '../src/server/index.js';
import { int, loadAverage, machine as machineInfo, mdTable, ratio, stats, textTable, writeSection, type Machine, type Stats } from './lib.js';

const START_MARK = '<!-- identity-bench:start -->';
const END_MARK = '<!-- identity-bench:end -->';
const TOKEN_WARMUP = 10;
const TOKEN_N = int('BENCH_TOKEN_N', 200);
const CONCURRENCY = 8;
const VERIFY_WARMUP = 200;
const VERIFY_N = int('BENCH_VERIFY_N', 5000);
const CLIENT_ID = 'bench-m2m';
const SCOPE = 'bench/read';

interface TokenRun {
  perSecond: number;
  latency: Stats;
}

interface Results {
  machine: Machine;
  sequential: TokenRun;
  concurrent: TokenRun;
  authorizer: Stats;
  jose: Stats;
}

/** One client_credentials grant (client_secret_post, as the seeds send it); resolves to the access token. */
async function fetchToken(issuer: string, secret: string): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: secret, scope: SCOPE }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`the token endpoint answered ${response.status} ${body.error ?? ''}`);
  return body.access_token;
}

/** `total` token requests by `workers` parallel loops; tokens/s over the whole run and per-request latency. */
async function tokenRun(issuer: string, secret: string, workers: number, total: number): Promise<TokenRun> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      const started = performance.now();
      await fetchToken(issuer, secret);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, worker));
  return { perSecond: (total * 1000) / (performance.now() - started), latency: stats(latencies) };
}

/** Per-call µs of the authorizer and of bare jose, interleaved call by call so both see the same machine state. */
async function verifyRun(discoveryUrl: string, issuer: string, token: string): Promise<{ authorizer: Stats; jose: Stats }> {
  const authorizer = new JwtAuthorizer({ discoveryUrl, allowedClients: [CLIENT_ID], allowedScopes: [SCOPE] });
  const jwksUri = ((await (await fetch(discoveryUrl)).json()) as { jwks_uri: string }).jwks_uri;
  const jwks = createLocalJWKSet((await (await fetch(jwksUri)).json()) as JSONWebKeySet);
  const bare = (): Promise<unknown> => jwtVerify(token, jwks, { issuer, algorithms: ['RS256'] });
  for (let i = 0; i < VERIFY_WARMUP; i++) {
    await authorizer.verify(token); // the first call fetches discovery and JWKS; later ones hit the cache
    await bare();
  }
  const samples = { authorizer: [] as number[], jose: [] as number[] };
  for (let i = 0; i < VERIFY_N; i++) {
    let started = performance.now();
    await authorizer.verify(token);
    samples.authorizer.push((performance.now() - started) * 1000);
    started = performance.now();
    await bare();
    samples.jose.push((performance.now() - started) * 1000);
  }
  return { authorizer: stats(samples.authorizer), jose: stats(samples.jose) };
}

const us = (value: number): string => value.toFixed(1);

function tokenRows(r: Results): string[][] {
  return [
    [
      'sequential (1 at a time)',
      String(r.sequential.latency.n),
      r.sequential.perSecond.toFixed(1),
      r.sequential.latency.p50.toFixed(2),
      r.sequential.latency.p95.toFixed(2),
    ],
    [
      `${CONCURRENCY} concurrent`,
      String(r.concurrent.latency.n),
      r.concurrent.perSecond.toFixed(1),
      r.concurrent.latency.p50.toFixed(2),
      r.concurrent.latency.p95.toFixed(2),
    ],
  ];
}
const TOKEN_HEAD = ['client_credentials', 'n', 'tokens/s', 'p50 ms', 'p95 ms'];

function verifyRows(r: Results): string[][] {
  return [
    ['JwtAuthorizer.verify (warm JWKS)', String(r.authorizer.n), us(r.authorizer.p50), us(r.authorizer.p95), ratio(r.authorizer.p50, r.jose.p50)],
    ['bare jose.jwtVerify (local JWKS)', String(r.jose.n), us(r.jose.p50), us(r.jose.p95), '1.00×'],
  ];
}
const VERIFY_HEAD = ['jwt check per request', 'n', 'p50 µs', 'p95 µs', 'p50 vs jose'];

function markdown(r: Results): string {
  const m = r.machine;
  return `${START_MARK}
## Identity

Command: \`npm run bench\` (this part alone: \`npm run build && node --import tsx bench/identity.bench.ts\`;
\`BENCH_TOKEN_N\` and \`BENCH_VERIFY_N\` set the request and verification counts).
Machine: ${m.cpus} cores, ${m.model}, ${m.memGb} GB, Node ${process.version}; load average ${m.load} at start, ${m.loadAtEnd} at end.

**Client-credentials tokens** from the platform's authorization server (\`/identity/token\`, oidc-provider, RS256
JWT access tokens for a resource-server scope), requested over HTTP on 127.0.0.1 by a client in the same process as the
platform. The first request checks the client secret against its scrypt hash (memory-hard by design, ~tens of ms);
a successful check is remembered for 5 minutes, so these steady-state figures measure oidc-provider's grant handling,
RS256 signing and the store, not the KDF. The concurrent run shares the same ${m.cpus} cores between client and server.

${mdTable(TOKEN_HEAD, tokenRows(r))}

**JWT authorizer per request** with a warm JWKS cache: \`JwtAuthorizer.verify\` (signature, \`iss\`, \`exp\`/\`nbf\`,
client, scope) over a real access token of that server, ${r.authorizer.n} calls after ${VERIFY_WARMUP} warm-up calls, interleaved
call by call with a bare \`jose.jwtVerify\` over the same token and a local JWKS, the reference for the ratio.

${mdTable(VERIFY_HEAD, verifyRows(r))}
${END_MARK}`;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  console.error(`identity bench: ${machine.cpus} cores, ${machine.model}, node ${process.version}, load ${machine.load}`);
  const dataDir = await mkdtemp(join(os.tmpdir(), 'toolport-identity-bench-'));
  let platform: Platform | undefined;
  try {
    platform = await startPlatform({ port: 0, dataDir, logger: createLogger('error') });
    const api = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const response = await fetch(`${(platform as Platform).url}/api/identity${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${(platform as Platform).adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 201) throw new Error(`creating ${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    await api('/resource-servers', { identifier: 'bench', scopes: ['read'] });
    const secret = (await api('/clients', { clientId: CLIENT_ID, grants: ['client_credentials'], scopes: [SCOPE] })).secret as string;
    const issuer = `${platform.url}/identity`;
    await tokenRun(issuer, secret, 1, TOKEN_WARMUP);
    const sequential = await tokenRun(issuer, secret, 1, TOKEN_N);
    const concurrent = await tokenRun(issuer, secret, CONCURRENCY, TOKEN_N);
    const token = await fetchToken(issuer, secret);
    const verify = await verifyRun(`${issuer}/.well-known/openid-configuration`, issuer, token);
    machine.loadAtEnd = loadAverage();
    const results: Results = { machine, sequential, concurrent, ...verify };
    console.log(textTable(TOKEN_HEAD, tokenRows(results)));
    console.log();
    console.log(textTable(VERIFY_HEAD, verifyRows(results)));
    await writeSection(markdown(results), { start: START_MARK, end: END_MARK }, 'Identity');
  } finally {
    await platform?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
