// The seed's OpenAI o3 web search tool, on the OpenAI Responses API with its built-in web_search tool.
// Failures come back as error results the calling model can read and act on; the server never crashes and
// never echoes the API key.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { defineTool } from 'toolport/tools';
import { z } from 'zod';

// o3 cannot be forced to call a tool (tool_choice must be "auto"), so the seed asks for it in the instructions.
const INSTRUCTIONS = `
- You must answer the question using web_search tool.
- You must respond in japanese.
`;

const DEFAULT_MODEL = 'o3';
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

/** Searches the web with OpenAI o3 and answers the question (the seed's openai_o3_web_search). */
export const openaiO3WebSearch = defineTool({
  name: 'openai_o3_web_search',
  description: `An AI agent with advanced web search capabilities. Useful for finding the latest information,
    troubleshooting errors, and discussing ideas or design challenges. Supports natural language queries.

    Args:
        question: The search question to perform.

    Returns:
        str: The search results with advanced reasoning and analysis.`,
  input: z.object({
    question: z.string().describe(`Question text to send to OpenAI o3. It supports natural language queries.
        Write in Japanese. Be direct and specific about your requirements.
        Avoid chain-of-thought instructions like "think step by step" as o3 handles reasoning internally.`),
  }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  handler: async ({ question }, ctx) => {
    const apiKey = process.env.OPENAI_API_KEY;
    if (!apiKey) {
      return errorResult('OPENAI_API_KEY is not set. Set the OPENAI_API_KEY environment variable of this server to an OpenAI API key and call the tool again.');
    }
    const model = process.env.OPENAI_MODEL || DEFAULT_MODEL;
    const timeoutMs = timeoutFromEnv();
    // One deadline for the whole call, retries included; the caller's cancellation ends it too.
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    // The SDK reads OPENAI_BASE_URL itself, which lets tests and proxies stand in for api.openai.com.
    const client = new OpenAI({ apiKey, timeout: timeoutMs });
    try {
      const response = await client.responses.create({ model, instructions: INSTRUCTIONS, input: question, tools: [{ type: 'web_search' }] }, { signal });
      if (response.output_text) return response.output_text;
      const why = response.error?.message ?? response.incomplete_details?.reason ?? `status ${response.status ?? 'unknown'}`;
      return errorResult(`OpenAI returned no answer text (${redact(why, apiKey)}).`);
    } catch (error) {
      return errorResult(describeFailure(error, { apiKey, timeoutMs, timedOut: deadline.aborted, baseURL: client.baseURL }));
    }
  },
});

function timeoutFromEnv() {
  const raw = process.env.WEB_SEARCH_TIMEOUT_MS;
  const value = raw ? Number(raw) : DEFAULT_TIMEOUT_MS;
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_TIMEOUT_MS;
}

function errorResult(text) {
  return { isError: true, content: [{ type: 'text', text }] };
}

// Error bodies and messages may quote the key (a fake or proxy might echo it whole), so strip it everywhere.
function redact(text, apiKey) {
  return String(text).split(apiKey).join('[redacted]');
}

function shorten(text, max = 300) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function describeFailure(error, { apiKey, timeoutMs, timedOut, baseURL }) {
  // Order matters: the timeout and abort classes extend APIConnectionError, which extends APIError.
  if (timedOut || error instanceof APIConnectionTimeoutError) {
    return `OpenAI API did not answer within ${timeoutMs} ms (WEB_SEARCH_TIMEOUT_MS); try again or raise the timeout.`;
  }
  if (error instanceof APIUserAbortError) return 'The web search was cancelled before OpenAI answered.';
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `Could not reach the OpenAI API at ${baseURL}${redact(shorten(cause), apiKey)}. Check the network or OPENAI_BASE_URL.`;
  }
  if (error instanceof APIError) {
    const body = error.error;
    const reason = (body && typeof body === 'object' && typeof body.message === 'string' && body.message) || error.message || 'no details';
    const hint = HINTS[error.status] ?? (error.status >= 500 ? 'OpenAI had a server error; try again later.' : '');
    return `OpenAI API error ${error.status}: ${redact(shorten(reason), apiKey)}${hint ? ` ${hint}` : ''}`;
  }
  return `Web search failed: ${redact(shorten(error instanceof Error ? error.message : String(error)), apiKey)}`;
}

const HINTS = {
  401: 'Check that OPENAI_API_KEY holds a valid key.',
  403: 'The key is not allowed to use this model or tool.',
  404: 'Check OPENAI_MODEL and OPENAI_BASE_URL.',
  429: 'Rate limit or quota reached; wait and try again.',
};
