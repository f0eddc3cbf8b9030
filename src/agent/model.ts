import type { BaseModelConfig, Model } from '@strands-agents/sdk';

/** A model named on the command line: `provider:model`. */
export interface ModelChoice {
  provider: 'openai' | 'openai-chat' | 'anthropic' | 'bedrock' | 'ollama';
  modelId: string;
}

const PROVIDERS = ['openai', 'openai-chat', 'anthropic', 'bedrock', 'ollama'] as const;
const DEFAULT_MODELS: Record<ModelChoice['provider'], string> = {
  openai: 'gpt-5.4-mini',
  'openai-chat': 'gpt-5.4-mini',
  anthropic: 'claude-sonnet-4-6',
  bedrock: 'global.anthropic.claude-sonnet-4-6',
  ollama: 'llama3.2',
};

/** A model that cannot be used as asked (unknown provider, missing key); the message names the fix. */
export class ModelError extends Error {}

/**
 * Parses `provider:model` (the model part may itself contain colons, as Ollama tags do). Without a choice, the first
 * provider whose key is in the environment wins, so `OPENAI_API_KEY=... toolport agent "..."` just works.
 */
export function parseModel(spec: string | undefined, env: NodeJS.ProcessEnv = process.env): ModelChoice {
  if (!spec) {
    if (env.OPENAI_API_KEY) return { provider: 'openai', modelId: DEFAULT_MODELS.openai };
    if (env.ANTHROPIC_API_KEY) return { provider: 'anthropic', modelId: DEFAULT_MODELS.anthropic };
    throw new ModelError('no model: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or pass --model (e.g. ollama:llama3.2, bedrock:MODEL_ID)');
  }
  const colon = spec.indexOf(':');
  const provider = (colon < 0 ? spec : spec.slice(0, colon)) as ModelChoice['provider'];
  if (!PROVIDERS.includes(provider)) throw new ModelError(`unknown model provider "${provider}": use one of ${PROVIDERS.join(', ')} (as provider:model)`);
  const modelId = colon < 0 ? DEFAULT_MODELS[provider] : spec.slice(colon + 1);
  if (!modelId) throw new ModelError(`--model ${spec}: name the model after the colon, e.g. ${provider}:${DEFAULT_MODELS[provider]}`);
  return { provider, modelId };
}

function requireEnv(env: NodeJS.ProcessEnv, name: string, provider: string): string {
  const value = env[name];
  if (!value) throw new ModelError(`the ${provider} provider needs ${name} in the environment`);
  return value;
}

/**
 * Builds the Strands model for a choice. OpenAI honours OPENAI_BASE_URL as the OpenAI SDK does, so any
 * OpenAI-compatible server works; `openai-chat` uses Chat Completions (what vLLM and most compatible servers speak),
 * `openai` the Responses API; `ollama` is Chat Completions at OLLAMA_BASE_URL (default http://127.0.0.1:11434/v1).
 */
export async function createModel(choice: ModelChoice, env: NodeJS.ProcessEnv = process.env): Promise<Model<BaseModelConfig>> {
  switch (choice.provider) {
    case 'openai':
    case 'openai-chat': {
      const { OpenAIModel } = await import('@strands-agents/sdk/models/openai');
      const apiKey = requireEnv(env, 'OPENAI_API_KEY', 'openai');
      const baseURL = env.OPENAI_BASE_URL;
      return new OpenAIModel({
        api: choice.provider === 'openai' ? 'responses' : 'chat',
        modelId: choice.modelId,
        apiKey,
        ...(baseURL ? { clientConfig: { baseURL } } : {}),
      });
    }
    case 'ollama': {
      const { OpenAIModel } = await import('@strands-agents/sdk/models/openai');
      const baseURL = env.OLLAMA_BASE_URL ?? 'http://127.0.0.1:11434/v1';
      // Ollama ignores the key, but the OpenAI SDK refuses to start without one.
      return new OpenAIModel({ api: 'chat', modelId: choice.modelId, apiKey: env.OPENAI_API_KEY ?? 'ollama', clientConfig: { baseURL } });
    }
    case 'anthropic': {
      const { AnthropicModel } = await import('@strands-agents/sdk/models/anthropic');
      const apiKey = requireEnv(env, 'ANTHROPIC_API_KEY', 'anthropic');
      const baseURL = env.ANTHROPIC_BASE_URL;
      return new AnthropicModel({ modelId: choice.modelId, apiKey, ...(baseURL ? { clientConfig: { baseURL } } : {}) });
    }
    case 'bedrock': {
      const { BedrockModel } = await import('@strands-agents/sdk/models/bedrock');
      // Credentials come from the AWS provider chain (env, profile, SSO, instance role), as every AWS tool does.
      const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      return new BedrockModel({ modelId: choice.modelId, ...(region ? { region } : {}) });
    }
  }
}
