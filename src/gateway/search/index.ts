// Offline tool search for the Gateway's `x_amz_bedrock_agentcore_search` tool: a natural-language request → the
// best-fitting tool definitions. Lexical (BM25F over name, service, description and schema) so it needs no model,
// answers in about a millisecond for thousands of tools, and stays explainable. Each hit carries a score, so the
// search tool (gateway/search-tool.ts) can blend an embedding similarity into a wider top-k through this interface.
import { resolveRanking, type RankingOverrides } from './options.js';
import { PlainBm25Ranker } from './plain.js';
import { FieldRanker, type Ranker } from './ranker.js';
import type { SearchHit, ToolDef } from './types.js';

export type { SearchHit, ToolDef } from './types.js';
export { DEFAULT_RANKING, type RankingOptions, type RankingOverrides } from './options.js';

/** Options of {@link ToolSearchIndex}: ranking overrides, or the plain baseline. */
export interface ToolSearchOptions extends RankingOverrides {
  /** Plain BM25 over name + description, no extras: the dataset's reference baseline, for comparison only. */
  bm25?: boolean;
}

/** A searchable set of tool definitions; changes mark it stale and the next search rebuilds (~0.3 s per 2,500 tools). */
export class ToolSearchIndex {
  private readonly tools = new Map<string, ToolDef>();
  private readonly options: ToolSearchOptions;
  private built: { ranker: Ranker; tools: ToolDef[] } | undefined;

  constructor(tools: Iterable<ToolDef> = [], options: ToolSearchOptions = {}) {
    this.options = options;
    for (const t of tools) this.tools.set(t.name, t);
  }

  /** Number of indexed tools. */
  get size(): number {
    return this.tools.size;
  }

  /** Adds tools, replacing any with the same name (a gateway target re-listing its tools). */
  add(...tools: ToolDef[]): void {
    for (const t of tools) this.tools.set(t.name, t);
    this.built = undefined;
  }

  /** Removes tools by name; returns how many were present. */
  remove(...names: string[]): number {
    let n = 0;
    for (const name of names) if (this.tools.delete(name)) n++;
    if (n > 0) this.built = undefined;
    return n;
  }

  /** Builds now rather than on the first search (e.g. at start-up, so the first caller does not pay for it). */
  rebuild(): void {
    const tools = [...this.tools.values()];
    const { bm25, ...ranking } = this.options;
    const ranker = bm25 ? new PlainBm25Ranker(tools) : new FieldRanker(tools, resolveRanking(ranking));
    this.built = { ranker, tools };
  }

  /**
   * The best `limit` tools for a natural-language query, best first, as the full definitions that were added.
   * Empty when the query has no searchable words or nothing matches any of them.
   */
  search(query: string, limit = 10): SearchHit[] {
    if (!this.built) this.rebuild();
    const { ranker, tools } = this.built!;
    return ranker.rank(query, Math.floor(limit)).map(({ doc, score }) => ({ tool: tools[doc]!, score }));
  }
}
