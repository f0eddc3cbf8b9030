// An OpenAI-compatible embeddings client (POST {url}/embeddings, `{model, input: [...]}` → `{data: [{index, embedding}]}`),
// with a bounded cache so a tool's text is embedded once, not on every search.
import { z } from 'zod';
import { resolveEnvRef } from '../config/index.js';

const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

const CACHE_LIMIT = 20_000;
const TIMEOUT_MS = 10_000;

/** Settings of an embedding provider (the `search.embeddings` block). */
export interface EmbeddingSettings {
  url: string;
  model: string;
  /** A key, or `env:NAME` to read it from Toolport's environment when a request is made. */
  apiKey?: string;
}

/** Cosine similarity of two vectors (0 when either is empty or zero). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export class EmbeddingProvider {
  private readonly cache = new Map<string, number[]>();

  constructor(
    private readonly settings: EmbeddingSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private key(): string | undefined {
    const { apiKey } = this.settings;
    return apiKey === undefined ? undefined : resolveEnvRef(apiKey);
  }

  /** Embeddings of `texts`, in order; texts seen before come from the cache. */
  async embed(texts: string[]): Promise<number[][]> {
    const missing = [...new Set(texts.filter((text) => !this.cache.has(text)))];
    if (missing.length) {
      const key = this.key();
      const response = await this.fetchImpl(`${this.settings.url.replace(/\/$/, '')}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ model: this.settings.model, input: missing }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`embeddings endpoint answered ${response.status} ${response.statusText}`);
      const parsed = responseSchema.safeParse(await response.json());
      if (!parsed.success) throw new Error('embeddings endpoint answered in an unexpected shape (expected data[].embedding)');
      for (const item of parsed.data.data) {
        const text = missing[item.index];
        if (text === undefined) continue;
        if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(text, item.embedding);
      }
    }
    return texts.map((text) => {
      const vector = this.cache.get(text);
      if (!vector) throw new Error('embeddings endpoint left out some inputs');
      return vector;
    });
  }
}
