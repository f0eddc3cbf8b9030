// An mcp target's live catalog: every list the upstream's capabilities offer, each walked to its last page by the SDK.
import type { Client } from '@modelcontextprotocol/client';
import type { TargetCatalog } from '../types.js';
import { sdkTimeoutPast, syncTimeoutMs } from '../../deadline.js';

/** Lists the upstream's tools, and its resources, templates and prompts where it has them, within the sync's deadline. */
export async function listCatalog(client: Client, signal: AbortSignal, timeoutMs: number): Promise<TargetCatalog> {
  const options = { signal, timeout: sdkTimeoutPast(syncTimeoutMs(timeoutMs)) };
  const capabilities = client.getServerCapabilities() ?? {};
  const { tools } = capabilities.tools ? await client.listTools(undefined, options) : { tools: [] };
  const catalog: TargetCatalog = { tools };
  if (capabilities.resources) {
    catalog.resources = (await client.listResources(undefined, options)).resources;
    catalog.resourceTemplates = (await client.listResourceTemplates(undefined, options)).resourceTemplates;
  }
  if (capabilities.prompts) catalog.prompts = (await client.listPrompts(undefined, options)).prompts;
  return catalog;
}
