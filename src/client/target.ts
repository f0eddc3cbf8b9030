/** Where an MCP endpoint is, from what a user types: a URL, an ARN, `runtime:NAME` or `gateway:NAME`. */
export interface TargetOptions {
  /** Toolport server for `runtime:`/`gateway:` names and Toolport ARNs (default TOOLPORT_SERVER or http://127.0.0.1:8080). */
  server?: string;
  /** Runtime endpoint qualifier (default DEFAULT). */
  qualifier?: string;
}

const AGENTCORE_ARN = /^arn:(aws[a-z-]*):bedrock-agentcore:([a-z0-9-]+):\d{12}:runtime\/[A-Za-z0-9_-]+$/;
const TOOLPORT_ARN = /^arn:toolport:runtime:[^:]*:\d*:runtime\/[A-Za-z0-9_-]+$/;

/** Resolves a target to the URL an MCP client connects to; throws with the accepted forms when it is none of them. */
export function resolveTarget(target: string, options: TargetOptions = {}): URL {
  const server = (options.server ?? process.env.TOOLPORT_SERVER ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const qualifier = encodeURIComponent(options.qualifier ?? 'DEFAULT');
  if (/^https?:\/\//i.test(target)) return new URL(target);
  const agentcore = AGENTCORE_ARN.exec(target);
  if (agentcore) {
    // AgentCore's data-plane endpoint is regional; the region comes from the ARN, never from a default.
    // China regions live under amazonaws.com.cn; every other partition under amazonaws.com.
    const domain = agentcore[1] === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    return new URL(`https://bedrock-agentcore.${agentcore[2]}.${domain}/runtimes/${encodeURIComponent(target)}/invocations?qualifier=${qualifier}`);
  }
  if (TOOLPORT_ARN.test(target)) return new URL(`${server}/runtimes/${encodeURIComponent(target)}/invocations?qualifier=${qualifier}`);
  const named = /^(runtime|gateway):([A-Za-z][A-Za-z0-9_-]{0,47})$/.exec(target);
  if (named?.[1] === 'runtime') return new URL(`${server}/runtimes/${named[2]}/invocations?qualifier=${qualifier}`);
  if (named?.[1] === 'gateway') return new URL(`${server}/gateways/${named[2]}/mcp`);
  throw new Error(`"${target}" is not a target: use a URL, an AgentCore or Toolport runtime ARN, runtime:NAME or gateway:NAME`);
}

const AGENTCORE_HOST = /^(?:[a-z0-9-]+\.gateway\.)?bedrock-agentcore(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The AWS region an AgentCore runtime or gateway URL lives in (the SigV4 signing region), or undefined for other hosts. */
export function agentCoreRegion(url: URL): string | undefined {
  return AGENTCORE_HOST.exec(url.hostname)?.[1];
}
