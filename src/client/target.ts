import { AGENTCORE_RUNTIME_ARN, DEFAULT_QUALIFIER, TOOLPORT_RUNTIME_ARN, gatewayUrl, runtimeUrl } from '../http/index.js';

/** Where an MCP endpoint is, from what a user types: a URL, an ARN, `runtime:NAME` or `gateway:NAME`. */
export interface TargetOptions {
  /** Toolport server for `runtime:`/`gateway:` names and Toolport ARNs (default TOOLPORT_SERVER or http://127.0.0.1:8080). */
  server?: string;
  /** Runtime endpoint qualifier (default DEFAULT). */
  qualifier?: string;
}

/** Resolves a target to the URL an MCP client connects to; throws with the accepted forms when it is none of them. */
export function resolveTarget(target: string, options: TargetOptions = {}): URL {
  const server = (options.server ?? process.env.TOOLPORT_SERVER ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const qualifier = options.qualifier ?? DEFAULT_QUALIFIER;
  if (/^https?:\/\//i.test(target)) return new URL(target);
  const agentcore = AGENTCORE_RUNTIME_ARN.exec(target);
  if (agentcore) {
    // AgentCore's data-plane endpoint is regional; the region comes from the ARN, never from a default.
    // China regions live under amazonaws.com.cn; every other partition under amazonaws.com.
    const domain = agentcore[1] === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    return new URL(runtimeUrl(`https://bedrock-agentcore.${agentcore[2]}.${domain}`, target, qualifier));
  }
  if (TOOLPORT_RUNTIME_ARN.test(target)) return new URL(runtimeUrl(server, target, qualifier));
  const named = /^(runtime|gateway):([A-Za-z][A-Za-z0-9_-]{0,47})$/.exec(target);
  if (named?.[1] === 'runtime' && named[2]) return new URL(runtimeUrl(server, named[2], qualifier));
  if (named?.[1] === 'gateway' && named[2]) return new URL(gatewayUrl(server, named[2]));
  throw new Error(`"${target}" is not a target: use a URL, an AgentCore or Toolport runtime ARN, runtime:NAME or gateway:NAME`);
}

const AGENTCORE_HOST = /^(?:[a-z0-9-]+\.gateway\.)?bedrock-agentcore(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The AWS region an AgentCore runtime or gateway URL lives in (the SigV4 signing region), or undefined for other hosts. */
export function agentCoreRegion(url: URL): string | undefined {
  return AGENTCORE_HOST.exec(url.hostname)?.[1];
}
