// Permissions: `permissions: { "billing___*": { scopes: [...], claims: {...} } }`. A name matched by one or more
// patterns is usable when any matching rule admits the caller; a name no pattern matches is open to every caller the
// gateway's inbound auth let in. Tools and prompts are checked by their gateway name, resources and resource
// templates (and completions of them) as `{target}___{uri}`, so `billing___*` covers everything billing offers.
// Lists and search show only what the caller may use.
import type { GatewaySpec } from '../config/index.js';
import type { Principal } from '../identity/index.js';
import { gatewayName } from './catalog.js';

type Rule = GatewaySpec['permissions'][string];

/** `*` matches any run of characters; everything else is literal. */
function patternRegex(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function admits(rule: Rule, caller: Principal | undefined): boolean {
  if (rule.scopes && !rule.scopes.some((scope) => caller?.scopes.includes(scope))) return false;
  for (const [claim, value] of Object.entries(rule.claims ?? {})) {
    const actual = caller?.claims[claim];
    // A list-valued claim (groups, roles) admits when it contains the value.
    if (Array.isArray(actual) ? !actual.includes(value) : actual !== value) return false;
  }
  return true;
}

/** A gateway's permission rules, compiled once per spec. */
export class Policy {
  private readonly rules: { pattern: RegExp; rule: Rule }[];

  constructor(permissions: GatewaySpec['permissions']) {
    this.rules = Object.entries(permissions).map(([pattern, rule]) => ({ pattern: patternRegex(pattern), rule }));
  }

  /** True when no rule restricts any tool: every caller may call everything (lists need no filtering). */
  get unrestricted(): boolean {
    return this.rules.length === 0;
  }

  /** Whether `caller` (undefined on an open gateway) may use the tool or prompt named `name`. */
  allows(name: string, caller: Principal | undefined): boolean {
    const matching = this.rules.filter(({ pattern }) => pattern.test(name));
    return matching.length === 0 || matching.some(({ rule }) => admits(rule, caller));
  }

  /** Whether `caller` may read a resource, or use a resource template, that `target` serves (`uri` is its URI or template). */
  allowsResource(target: string, uri: string, caller: Principal | undefined): boolean {
    return this.allows(gatewayName(target, uri), caller);
  }
}
