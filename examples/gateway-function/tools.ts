// Seed 004's Lambda tools written once with defineTool: the gateway derives name, description and every argument's
// description from this code (no inline schema to keep in step). Target: { type: function, module: examples/gateway-function/tools.ts }
import { defineTool } from 'toolport/tools';
import { z } from 'zod';
import { openaiWebSearch } from './search.mjs';

/** The seed's openai_web_search tool: same name, description and argument text as its AgentCore inline schema. */
export const openaiWebSearchTool = defineTool({
  name: 'openai_web_search',
  description:
    'An AI agent with advanced web search capabilities. Useful for finding the latest information, troubleshooting errors, and discussing ideas or design challenges. Supports natural language queries.',
  input: z.object({
    question: z
      .string()
      .describe(
        'Question text to send to OpenAI o3. It supports natural language queries. Write in Japanese. Be direct and specific about your requirements. Avoid chain-of-thought instructions like `think step by step` as o3 handles reasoning internally.',
      ),
  }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  handler: async ({ question }, ctx) => {
    if (!process.env.OPENAI_API_KEY) {
      return { isError: true, content: [{ type: 'text', text: 'OPENAI_API_KEY is not set: give the target env { OPENAI_API_KEY: env:OPENAI_API_KEY }.' }] };
    }
    return openaiWebSearch(question, ctx.signal);
  },
});

/** The seed's latency-test tool greet_user. */
export const greetUser = defineTool({
  name: 'greet_user',
  description: 'Greet a user by name',
  input: z.object({ name: z.string().describe('The name of the user.') }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: ({ name }) => `Hello, ${name}! Nice to meet you. This is a test message.`,
});
