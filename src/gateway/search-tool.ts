// The gateway's search tool (AgentCore's `x_amz_bedrock_agentcore_search` by default): `{query}` → the best ≤10 tools
// the caller may call, with full definitions in `structuredContent.tools`. Ranked by the offline ranker
// (src/gateway/search); an embedding provider, when configured, re-ranks the ranker's wider top-k by blending in
// cosine similarity, and the search falls back to the ranker alone when the provider fails.
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import type { GatewaySpec } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { ToolSearchIndex, type SearchHit } from './search/index.js';
import { EmbeddingProvider, cosine } from './embeddings.js';

/** AgentCore's name for the search tool, so agents written for it keep working. */
export const DEFAULT_SEARCH_TOOL = 'x_amz_bedrock_agentcore_search';
const RESULTS = 10;
/**
 * Longest query accepted (enforced through the input schema before ranking): ranking runs on the event loop and its
 * cost grows with the query, so an unbounded one stalls every request of the process.
 */
export const MAX_QUERY_LENGTH = 1000;
/** How many lexical candidates the embedding similarity re-ranks. */
const BLEND_CANDIDATES = 50;

export class SearchTool {
  readonly definition: Tool;
  private searchIndex = new ToolSearchIndex();

  private constructor(
    readonly name: string,
    private readonly embeddings: { provider: EmbeddingProvider; weight: number } | undefined,
    private readonly log: Logger,
  ) {
    this.definition = {
      name,
      title: 'Search tools',
      description:
        'Finds the tools of this gateway that fit a task described in plain language. Returns up to 10 tools, best first, ' +
        'with their full definitions (name, description, input schema) in structuredContent.tools; call them by name.',
      inputSchema: {
        type: 'object',
        properties: { query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'What you want to do, e.g. "refund an invoice"' } },
        required: ['query'],
      },
      outputSchema: {
        type: 'object',
        properties: { tools: { type: 'array', items: { type: 'object' }, description: 'Matching tool definitions, best first' } },
        required: ['tools'],
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    };
  }

  /** The search tool a gateway's `search` setting asks for, or undefined when search is off. */
  static fromSpec(search: GatewaySpec['search'], log: Logger): SearchTool | undefined {
    if (search === false || (typeof search === 'object' && !search.enabled)) return undefined;
    if (search === true) return new SearchTool(DEFAULT_SEARCH_TOOL, undefined, log);
    const embeddings = search.embeddings ? { provider: new EmbeddingProvider(search.embeddings), weight: search.embeddings.weight } : undefined;
    return new SearchTool(search.name, embeddings, log);
  }

  /** Replaces the indexed tools (after a sync changed the catalog); the index rebuilds on the next search. */
  index(tools: readonly Tool[]): void {
    this.searchIndex = new ToolSearchIndex(tools as Tool[]);
  }

  /** Runs a search for one caller: only tools `allowed` admits are considered. */
  async run(query: string, allowed: (name: string) => boolean, restricted: boolean): Promise<CallToolResult> {
    // With permissions in play, rank everything so filtering cannot starve the top 10.
    const wanted = this.embeddings ? BLEND_CANDIDATES : RESULTS;
    const hits = this.searchIndex.search(query, restricted ? this.searchIndex.size : wanted).filter((hit) => allowed(hit.tool.name));
    const ranked = this.embeddings ? await this.blend(query, hits.slice(0, BLEND_CANDIDATES)) : hits;
    const tools = ranked.slice(0, RESULTS).map((hit) => hit.tool);
    return { content: [{ type: 'text', text: JSON.stringify({ tools }) }], structuredContent: { tools } };
  }

  private async blend(query: string, hits: SearchHit[]): Promise<SearchHit[]> {
    if (!this.embeddings || hits.length === 0) return hits;
    const { provider, weight } = this.embeddings;
    try {
      const [queryVector, ...toolVectors] = await provider.embed([query, ...hits.map((hit) => embeddingText(hit.tool))]);
      const top = hits[0]?.score || 1;
      return hits
        .map((hit, i) => ({ tool: hit.tool, score: (1 - weight) * (hit.score / top) + weight * cosine(queryVector ?? [], toolVectors[i] ?? []) }))
        .sort((a, b) => b.score - a.score);
    } catch (error) {
      this.log.warn('embedding provider failed; search uses the offline ranker alone', { error: (error as Error).message });
      return hits;
    }
  }
}

/** What a tool is embedded as: its name and description (the schema adds noise more than meaning). */
function embeddingText(tool: { name: string; title?: string; description?: string }): string {
  return [tool.name.replace(/_+/g, ' '), tool.title, tool.description].filter(Boolean).join('\n');
}
