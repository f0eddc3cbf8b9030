// A gateway's merged catalog: every target's stored tools, resources and prompts under gateway names, built from
// the store so `tools/list` never waits for a live target.
import { createHash } from 'node:crypto';
import { UriTemplate, type Prompt, type Resource, type ResourceTemplateType as ResourceTemplate, type Tool } from '@modelcontextprotocol/server';
import { ToolportError } from '../errors/index.js';
import type { CatalogRow } from './store.js';
import type { TargetCatalog } from './targets/types.js';

/** Separates target and tool in gateway names (AgentCore's convention). */
export const SEPARATOR = '___';
/**
 * Longest name the gateway offers. MCP allows 128 characters (spec 2025-11-25, server/tools §tool-names), but many
 * clients and model APIs refuse tool names over 64; longer names are shortened (see {@link exposedName}).
 */
export const MAX_NAME_LENGTH = 64;
/** Hex digits of SHA-256 that end a shortened name: they keep shortened names distinct. */
const SHORTENED_HASH_DIGITS = 8;
/** MCP tool names (server/tools §tool-names): A-Z a-z 0-9 _ - . ; prompts follow the same rule, so every gateway name is safe in an `Mcp-Name` header. */
const VALID_NAME = /^[A-Za-z0-9_.-]+$/;

/** The gateway name of a target's tool or prompt, before shortening. */
export function gatewayName(target: string, name: string): string {
  return `${target}${SEPARATOR}${name}`;
}

/**
 * `full` itself when it fits {@link MAX_NAME_LENGTH}; otherwise its first characters, `_` and 8 hex digits of its
 * SHA-256. Deterministic, so a name stays the same across syncs and replicas; the stored catalog maps it back.
 */
export function exposedName(full: string): string {
  if (full.length <= MAX_NAME_LENGTH) return full;
  const digest = createHash('sha256').update(full).digest('hex').slice(0, SHORTENED_HASH_DIGITS);
  return `${full.slice(0, MAX_NAME_LENGTH - SHORTENED_HASH_DIGITS - 1)}_${digest}`;
}

/** Why a target's tool or prompt cannot be offered, or undefined when it can. */
function nameProblem(kind: string, name: string, full: string, prefixed: boolean): string | undefined {
  if (!VALID_NAME.test(full)) return `${kind} "${name}" left out: "${full}" has characters outside A-Z a-z 0-9 _ - .`;
  // Joined to its target, a leading "_" runs into the separator: target "a" + "_b" and target "a_" + "b" read alike.
  if (prefixed && name.startsWith('_')) return `${kind} "${name}" left out: a name starting with "_" runs into the "${SEPARATOR}" separator of "${full}"`;
  return undefined;
}

/** A target's catalog as the gateway offers it: gateway names, and what had to be left out with why. */
export interface PreparedCatalog {
  catalog: TargetCatalog;
  problems: string[];
}

/**
 * Renames a target's live catalog to gateway names (unless the target opted out of the prefix), shortened to
 * {@link MAX_NAME_LENGTH}, and checks every name: a name that has invalid characters, starts with `_` or appears
 * twice is left out and reported (in the target's status), never silently dropped.
 */
export function prepareCatalog(target: string, live: TargetCatalog, prefix = true): PreparedCatalog {
  const problems: string[] = [];
  const shortened: Record<string, string> = {};
  const rename = <T extends { name: string }>(kind: string, items: T[]): T[] => {
    const seen = new Set<string>();
    const kept: T[] = [];
    for (const item of items) {
      const full = prefix ? gatewayName(target, item.name) : item.name;
      const name = exposedName(full);
      const problem = seen.has(name) ? `${kind} "${item.name}" left out: the target lists it more than once` : nameProblem(kind, item.name, full, prefix);
      if (problem) problems.push(problem);
      else kept.push({ ...item, name });
      if (!problem && name !== full) shortened[name] = item.name;
      seen.add(name);
    }
    return kept;
  };
  const tools = rename('tool', live.tools);
  const prompts = live.prompts ? rename('prompt', live.prompts) : undefined;
  return {
    catalog: {
      tools,
      ...(live.resources ? { resources: live.resources } : {}),
      ...(live.resourceTemplates ? { resourceTemplates: live.resourceTemplates } : {}),
      ...(prompts ? { prompts } : {}),
      ...(Object.keys(shortened).length > 0 ? { shortened } : {}),
    },
    problems,
  };
}

/** Where a gateway name leads: the target and the name the target knows it by. */
export interface Route {
  target: string;
  name: string;
}

/** The merged, read-only view of every target's stored catalog. */
export class GatewayCatalog {
  readonly tools: Tool[] = [];
  readonly prompts: Prompt[] = [];
  readonly resources: Resource[] = [];
  readonly resourceTemplates: ResourceTemplate[] = [];
  private readonly toolsByName = new Map<string, Tool>();
  private readonly toolTargets = new Map<string, Route>();
  private readonly promptTargets = new Map<string, Route>();
  /** Per target: names left out because an earlier target (by name) already offers them (unprefixed targets). */
  readonly conflicts = new Map<string, string[]>();
  private readonly resourceTargets = new Map<string, string>();
  private readonly templates: { template: UriTemplate; target: string }[] = [];
  private readonly templateTargets = new Map<string, string>();

  /** `prefixed(target)` says whether the target's names carry `{target}___` (see {@link prepareCatalog}). */
  constructor(rows: readonly CatalogRow[], prefixed: (target: string) => boolean = () => true) {
    for (const { target, catalog } of rows) {
      const upstreamName = (name: string): string => catalog.shortened?.[name] ?? (prefixed(target) ? name.slice(target.length + SEPARATOR.length) : name);
      for (const tool of catalog.tools) {
        if (this.toolsByName.has(tool.name)) {
          this.conflict(target, `tool "${tool.name}" left out: target "${this.toolTargets.get(tool.name)?.target}" already offers it`);
          continue;
        }
        this.tools.push(tool);
        this.toolsByName.set(tool.name, tool);
        this.toolTargets.set(tool.name, { target, name: upstreamName(tool.name) });
      }
      for (const prompt of catalog.prompts ?? []) {
        if (this.promptTargets.has(prompt.name)) {
          this.conflict(target, `prompt "${prompt.name}" left out: target "${this.promptTargets.get(prompt.name)?.target}" already offers it`);
          continue;
        }
        this.prompts.push(prompt);
        this.promptTargets.set(prompt.name, { target, name: upstreamName(prompt.name) });
      }
      // Resource URIs are the upstream's own; the first target to offer a URI serves it.
      for (const resource of catalog.resources ?? []) {
        if (this.resourceTargets.has(resource.uri)) continue;
        this.resources.push(resource);
        this.resourceTargets.set(resource.uri, target);
      }
      for (const template of catalog.resourceTemplates ?? []) {
        this.resourceTemplates.push(template);
        this.templates.push({ template: new UriTemplate(template.uriTemplate), target });
        if (!this.templateTargets.has(template.uriTemplate)) this.templateTargets.set(template.uriTemplate, target);
      }
    }
  }

  private conflict(target: string, problem: string): void {
    this.conflicts.set(target, [...(this.conflicts.get(target) ?? []), problem]);
  }

  /** A tool's stored definition by gateway name. */
  tool(name: string): Tool | undefined {
    return this.toolsByName.get(name);
  }

  /** The target and upstream name of a tool offered under `name`; undefined when no target offers it. */
  toolRoute(name: string): Route | undefined {
    return this.toolTargets.get(name);
  }

  promptRoute(name: string): Route | undefined {
    return this.promptTargets.get(name);
  }

  /** The target that offers a resource template (by its `uriTemplate` text). */
  templateTarget(uriTemplate: string): string | undefined {
    return this.templateTargets.get(uriTemplate);
  }

  /** The target serving a resource URI: a listed resource first, then the first template that matches. */
  resourceTarget(uri: string): string | undefined {
    return this.resourceTargets.get(uri) ?? this.templates.find(({ template }) => template.match(uri) !== null)?.target;
  }
}

/** Items of a paginated list: `cursor` is an opaque offset the gateway handed out with the previous page. */
export function page<T>(items: readonly T[], cursor: string | undefined, size: number): { items: T[]; nextCursor?: string } {
  const start = cursor === undefined ? 0 : decodeCursor(cursor);
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { nextCursor: Buffer.from(`o:${end}`).toString('base64url') } : {}) };
}

/** Thrown for a cursor this gateway did not hand out. */
export class InvalidCursorError extends ToolportError<'invalid_cursor'> {
  constructor(message: string) {
    super('invalid_cursor', message);
  }
}

function decodeCursor(cursor: string): number {
  const match = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursorError(`invalid cursor "${cursor}": pass the nextCursor of the previous page, or none for the first page`);
  return Number(match[1]);
}
