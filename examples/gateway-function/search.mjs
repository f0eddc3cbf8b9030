// Seed 004's tool logic: OpenAI with the web search tool researches a question and answers in Japanese.
// Shared by both variants in this folder: the defineTool module (tools.ts) and the unchanged Lambda (lambda/index.mjs).
import OpenAI from 'openai';

const INSTRUCTIONS = `
- You must answer the question using web_search tool.
- You must respond in japanese.
`;

/** The seed's openai_o3_web_search(question): the search results with reasoning and analysis, as text. */
export async function openaiWebSearch(question, signal) {
  // The SDK reads OPENAI_API_KEY and OPENAI_BASE_URL itself (tests and proxies stand in for api.openai.com).
  const client = new OpenAI();
  const response = await client.responses.create(
    {
      model: process.env.OPENAI_MODEL || 'gpt-5',
      tools: [{ type: 'web_search_preview' }],
      instructions: INSTRUCTIONS,
      input: question,
    },
    signal ? { signal } : undefined,
  );
  return response.output_text;
}
