import type { CallToolResult } from '@modelcontextprotocol/server';
import { fetch, type Agent } from 'undici';
import { LinkLocalRefused, refuseLinkLocalUrl, targetAgent } from '../addresses.js';
import { Deadline, timedOut } from '../deadline.js';
import { causeOf, loadDocument, type LoadedDocument } from './openapi/load.js';
import { buildOperations, requireServers, type CallableOperation } from './openapi/operations.js';
import { buildRequest } from './openapi/request.js';
import { toToolResult } from './openapi/response.js';
import type { OpenApiTargetSpec } from '../../config/index.js';
import { TargetError, type CallContext, type DriverDeps, type TargetCatalog, type TargetDriver } from './types.js';

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Reading (and dereferencing) the document at create and sync: generous, the largest real ones take ~0.1 s locally. */
const SOURCE_TIMEOUT_MS = 30_000;

export { openApiTargetSchema, type OpenApiTargetSpec } from '../../config/index.js';

/** The keys the driver reads: a stored target spec has them (and the common ones, which the gateway applies). */
export type OpenApiDriverSpec = Pick<OpenApiTargetSpec, 'source' | 'baseUrl' | 'include' | 'exclude' | 'headers' | 'maxResponseBytes' | 'allowLinkLocal'>;

/** Reads and converts the document (so a broken or unsupported one fails at create), then serves calls over HTTP. */
export async function createOpenApiTarget(spec: OpenApiDriverSpec, deps: DriverDeps): Promise<TargetDriver> {
  const target = new OpenApiTarget(spec, deps);
  await target.load(AbortSignal.timeout(SOURCE_TIMEOUT_MS));
  return target;
}

class OpenApiTarget implements TargetDriver {
  #operations = new Map<string, CallableOperation>();
  #location = '';
  /** The document read at create serves the first catalog (the gateway syncs right after creating a target). */
  #freshFromCreate = false;
  /** Own connection pool, so close() really releases this target's sockets; it refuses link-local addresses. */
  readonly #agent: Agent;

  constructor(
    private readonly spec: OpenApiDriverSpec,
    private readonly deps: DriverDeps,
  ) {
    this.#agent = targetAgent({ lookup: deps.lookup, allowLinkLocal: spec.allowLinkLocal });
  }

  /** The first read, at create. */
  async load(signal: AbortSignal): Promise<void> {
    await this.reload(signal);
    this.#freshFromCreate = true;
  }

  /** Re-reads the document: a sync picks up new, changed and removed operations. */
  async reload(signal: AbortSignal): Promise<void> {
    let loaded: LoadedDocument;
    try {
      loaded = await loadDocument(this.spec.source, this.deps.baseDir, signal, this.#agent);
    } catch (error) {
      if (error instanceof TargetError) throw error;
      if (signal.aborted) throw new TargetError('timeout', `reading the OpenAPI document ${this.spec.source} took too long`);
      throw new TargetError('unreachable', `cannot read the OpenAPI document ${this.spec.source}: ${causeOf(error)}`);
    }
    const operations = requireServers(buildOperations(loaded.document, this.spec), loaded.location);
    if (!this.spec.allowLinkLocal) await this.#refuseLinkLocalServers(operations);
    this.#operations = new Map(operations.map((operation) => [operation.tool.name, operation]));
    this.#location = loaded.location;
  }

  /** The document's servers are known only once it is read: a link-local one fails the sync, as the calls would. */
  async #refuseLinkLocalServers(operations: CallableOperation[]): Promise<void> {
    try {
      for (const server of new Set(operations.map((operation) => operation.server))) await refuseLinkLocalUrl(server, this.deps.lookup);
    } catch (error) {
      throw error instanceof LinkLocalRefused ? new TargetError('invalid', `a server of the OpenAPI document ${this.spec.source}: ${error.message}`) : error;
    }
  }

  async catalog(signal: AbortSignal): Promise<TargetCatalog> {
    if (!this.#freshFromCreate) {
      const deadline = new Deadline(SOURCE_TIMEOUT_MS, signal);
      await this.reload(deadline.signal).finally(() => deadline.clear());
    }
    this.#freshFromCreate = false;
    return { tools: [...this.#operations.values()].map((operation) => operation.tool) };
  }

  async callTool(name: string, args: Record<string, unknown>, context: CallContext): Promise<CallToolResult> {
    const operation = this.#operations.get(name);
    if (!operation) throw new TargetError('invalid', `no operation "${name}" in ${this.#location}: sync the target if the document changed`);
    const credentials = this.deps.credentials;
    const [credentialHeaders, credentialQuery] = await Promise.all([credentials?.headers() ?? {}, credentials?.query() ?? {}]);
    const request = buildRequest(operation, args, operation.server, { staticHeaders: this.spec.headers ?? {}, credentialHeaders, credentialQuery });
    // Errors and results name the URL without its query: credentials may travel there.
    const shownUrl = request.url.replace(/\?.*$/, '');
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        // The call's deadline is the guard's (timeoutMs): it aborts this signal.
        signal: context.signal,
        redirect: 'manual',
        dispatcher: this.#agent,
      });
      return await toToolResult(response as unknown as Response, shownUrl, this.spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    } catch (error) {
      throw this.#failure(error, context.signal, `${request.method} ${shownUrl}`);
    }
  }

  #failure(error: unknown, callerSignal: AbortSignal, what: string): Error {
    if (error instanceof TargetError) return error;
    const reason: unknown = callerSignal.reason;
    if (timedOut(callerSignal)) return new TargetError('timeout', `the API did not answer within ${this.deps.timeoutMs} ms`, what);
    // The caller cancelled: reject with its own reason, as the contract asks.
    if (callerSignal.aborted) return reason instanceof Error ? reason : new Error('the call was cancelled');
    return new TargetError('unreachable', `cannot reach the API: ${causeOf(error)}`, what);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
