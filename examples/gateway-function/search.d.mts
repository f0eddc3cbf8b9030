/** Seed 004's openai_o3_web_search: asks OpenAI (web search tool) and returns its answer text. */
export declare function openaiWebSearch(question: string, signal?: AbortSignal): Promise<string>;
