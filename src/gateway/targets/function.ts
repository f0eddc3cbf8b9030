// The gateway's `function` target driver: defineTool modules, AgentCore-style Lambda handlers, and HTTP functions.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../log/index.js';
import { targetAgent } from '../addresses.js';
import { TargetError, type DriverDeps, type TargetDriver } from './types.js';
import { LAMBDA_CONTEXT_META, lambdaInvocation } from './function/agentcore.js';
import { invokeHttpFunction } from './function/http.js';
import { FunctionProcess } from './function/process.js';
import type { FunctionTargetSpec } from '../../config/index.js';
import { loadToolSchemas } from './function/tool-schemas.js';
import { workerSpec } from './worker.js';

export { functionTargetSchema } from '../../config/index.js';
export type { FunctionTargetSpec } from '../../config/index.js';
/** The JSON an http function receives (and what a lambda handler's context is built from). */
export type { AgentCoreCustomContext, LambdaInvocation } from './function/agentcore.js';

const LAMBDA_HOST_ENTRY = fileURLToPath(new URL('./function/lambda-host.js', import.meta.url));
/** Handlers may be TypeScript; the runtime's module host is started with the same loader. */
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');

type LambdaSpec = NonNullable<FunctionTargetSpec['lambda']>;
type HttpSpec = NonNullable<FunctionTargetSpec['http']>;

/** Tools written once with defineTool: the catalog is the child's own tools/list, schemas derived from the zod types. */
function moduleTarget(deps: DriverDeps, child: FunctionProcess): TargetDriver {
  return {
    catalog: async (signal) => ({ tools: await child.listTools(signal, deps.timeoutMs) }),
    callTool: (name, args, context) => child.callTool({ name, arguments: args }, context, deps.timeoutMs),
    close: () => child.close(),
  };
}

/** An AgentCore-style handler: the catalog is the given tool schemas (and proves the handler loads). */
function lambdaTarget(lambda: LambdaSpec, functionName: string, deps: DriverDeps, child: FunctionProcess): TargetDriver {
  return {
    catalog: async () => {
      const tools = await loadToolSchemas(lambda, deps.baseDir);
      await child.ensureStarted();
      return { tools };
    },
    callTool: async (name, args, context) => {
      // The clock the handler sees (getRemainingTimeInMillis) starts with the call, not with a cold start.
      await child.ensureStarted();
      const { context: lambdaContext } = lambdaInvocation(name, args, context, { functionName, timeoutMs: deps.timeoutMs });
      return child.callTool({ name, arguments: args, _meta: { [LAMBDA_CONTEXT_META]: lambdaContext } }, context, deps.timeoutMs);
    },
    close: () => child.close(),
  };
}

/** An HTTP endpoint in any language, POSTed the same invocation a Lambda gets. */
function httpTarget(http: HttpSpec, functionName: string, deps: DriverDeps, allowLinkLocal: boolean | undefined): TargetDriver {
  const dispatcher = targetAgent({ lookup: deps.lookup, allowLinkLocal });
  return {
    catalog: async () => ({ tools: await loadToolSchemas(http, deps.baseDir) }),
    callTool: (name, args, context) =>
      invokeHttpFunction(http.url, lambdaInvocation(name, args, context, { functionName, timeoutMs: deps.timeoutMs }), context, {
        timeoutMs: deps.timeoutMs,
        dispatcher,
        ...(deps.credentials ? { credentials: deps.credentials } : {}),
      }),
    close: () => dispatcher.close(),
  };
}

/**
 * Creates the driver for a function target. Nothing starts here: a module or handler process starts at the first
 * catalog or call, so a module that does not load fails the catalog with its own error message.
 */
export async function createFunctionTarget(spec: FunctionTargetSpec, deps: DriverDeps): Promise<TargetDriver> {
  const log = createLogger().child({ part: 'gateway', target: spec.name });
  if (spec.module) {
    const module = resolve(deps.baseDir, spec.module);
    return moduleTarget(deps, new FunctionProcess(workerSpec(spec, deps.baseDir, { module }), `module ${spec.module}`, log));
  }
  if (spec.lambda) {
    const [file = '', exportName = 'handler'] = spec.lambda.handler.split('#');
    const command = [process.execPath, '--import', TSX_LOADER, LAMBDA_HOST_ENTRY, resolve(deps.baseDir, file), exportName];
    const child = new FunctionProcess(workerSpec(spec, deps.baseDir, { command }), `lambda handler ${spec.lambda.handler}`, log);
    return lambdaTarget(spec.lambda, spec.lambda.functionName ?? spec.name, deps, child);
  }
  if (spec.http) return httpTarget(spec.http, spec.http.functionName ?? spec.name, deps, spec.allowLinkLocal);
  throw new TargetError('invalid', 'a function target needs one of "module", "lambda" or "http"');
}
