/**
 * Entry point of a lambda function target's child process: loads an AgentCore-style Lambda handler and serves it as
 * an MCP server over stdio. Each `tools/call` runs the handler with the arguments as `event` and a Lambda context
 * built from the invocation the driver puts in `_meta` (see LAMBDA_CONTEXT_META).
 * Usage: node --import tsx lambda-host.js /abs/path/handler.mjs [exportName]
 */
import { Console } from 'node:console';
import { pathToFileURL } from 'node:url';
import { Server, type CallToolResult } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { announceReady, fetchThroughEnvProxy } from '../../../tools/index.js';
import { LAMBDA_CONTEXT_META, lambdaErrorOf, lambdaResultOf, type LambdaInvocation } from './agentcore.js';

type LambdaHandler = (event: unknown, context: unknown, callback: (error?: unknown, result?: unknown) => void) => unknown;

// stdout carries MCP frames; handler logs (console.log is how Lambdas log) go to stderr, the process's log stream.
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });

// In a sandbox with `network: {allow}`, fetch goes out through the egress proxy, as a module's tools do.
await fetchThroughEnvProxy();

const [handlerFile, exportName = 'handler'] = process.argv.slice(2);
if (!handlerFile) {
  process.stderr.write('usage: lambda-host.js HANDLER_FILE [EXPORT]\n');
  process.exit(2);
}
const loaded = (await import(pathToFileURL(handlerFile).href)) as Record<string, unknown>;
// A CommonJS handler's exports may arrive only under `default`.
const handler = loaded[exportName] ?? (loaded.default as Record<string, unknown> | undefined)?.[exportName];
if (typeof handler !== 'function') {
  process.stderr.write(`${handlerFile} has no function export "${exportName}" (found: ${Object.keys(loaded).join(', ') || 'no exports'})\n`);
  process.exit(2);
}

/** The Node.js Lambda context object, with AgentCore's clientContext. */
function lambdaContext(invocation: LambdaInvocation['context']): Record<string, unknown> {
  return {
    awsRequestId: invocation.awsRequestId,
    functionName: invocation.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:toolport:lambda:local:000000000000:function:${invocation.functionName}`,
    clientContext: invocation.clientContext,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadlineMs - Date.now()),
  };
}

/** Runs the handler the way the Lambda Node.js runtime does: async (returns a promise) or callback style. */
function invoke(fn: LambdaHandler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (error?: unknown, result?: unknown): void => (error ? reject(error) : resolve(result));
    const returned = fn(event, context, callback);
    if (returned instanceof Promise || (typeof returned === 'object' && returned !== null && 'then' in returned)) {
      Promise.resolve(returned).then(resolve, reject);
    } else if (fn.length < 3) {
      resolve(returned);
    }
  });
}

async function callHandler(event: unknown, invocation: LambdaInvocation['context']): Promise<CallToolResult> {
  try {
    return lambdaResultOf(await invoke(handler as LambdaHandler, event, lambdaContext(invocation)));
  } catch (error) {
    // The stack goes to the log stream, as with Lambda; the caller gets errorType and errorMessage.
    process.stderr.write(`${invocation.awsRequestId} handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return lambdaResultOf(lambdaErrorOf(error));
  }
}

function createServer(): Server {
  const server = new Server({ name: 'toolport-lambda', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/call', (request) => {
    const invocation = request.params._meta?.[LAMBDA_CONTEXT_META] as LambdaInvocation['context'] | undefined;
    if (!invocation) {
      return { isError: true, content: [{ type: 'text', text: `tools/call needs the Lambda context in _meta["${LAMBDA_CONTEXT_META}"]` }] };
    }
    return callHandler(request.params.arguments ?? {}, invocation);
  });
  return server;
}

await serveStdio(createServer);
announceReady();
