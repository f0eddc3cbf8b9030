// The first process inside a sandbox whose network is its own: it starts the hosted server (stdio passed straight
// through) and bridges TCP ports on the sandbox's loopback to unix sockets the host can also reach, both ways:
// `inbound` lets the platform reach an HTTP server listening inside; `outbound` lets the server reach a platform
// service (the vault's workload endpoint, the egress proxy) at the loopback URL it was given. Nothing else crosses.
// It imports only Node's own modules, so it adds little to a worker's start.
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';

/** What the relay is told, as one JSON argument. */
export interface RelayPlan {
  argv: string[];
  /** Host-visible socket to open once the server inside accepts connections on `port`. */
  inbound?: { socket: string; port: number };
  /** Loopback ports inside that lead to host sockets. */
  outbound: { port: number; socket: string }[];
}

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1', () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
}

async function openInbound({ socket, port }: { socket: string; port: number }): Promise<void> {
  while (!(await listening(port))) await new Promise((resolve) => setTimeout(resolve, 25));
  createServer((client) => pipeBoth(client, connect(port, '127.0.0.1'))).listen(socket);
}

function run(plan: RelayPlan): void {
  for (const { port, socket } of plan.outbound) {
    createServer((client) => pipeBoth(client, connect(socket))).listen(port, '127.0.0.1');
  }
  const [program, ...args] = plan.argv as [string, ...string[]];
  const server = spawn(program, args, { stdio: 'inherit' });
  server.on('error', (error) => {
    process.stderr.write(`cannot start ${program}: ${error.message}\n`);
    process.exit(127);
  });
  server.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.kill(signal));
  if (plan.inbound) void openInbound(plan.inbound);
}

run(JSON.parse(process.argv[2] ?? '{}') as RelayPlan);
