// The shape the ranker indexes: exactly what an MCP `tools/list` entry carries, so results can be returned as is.

/** An MCP tool definition (name, optional title and description, JSON Schema of the arguments). */
export type ToolDef = {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
};

/** One search hit: the full definition and its score (higher is better; comparable within one query only). */
export interface SearchHit {
  tool: ToolDef;
  score: number;
}
