// Seed 003's MCP server as one program: the OpenAI o3 web search tool and greet_user, served over Streamable HTTP
// (stateless, as the seed deploys it to AgentCore Runtime). Toolport hosts it as an http runtime behind a JWT
// authorizer; see the `agentcore` runtime in examples/toolport.yaml.
// Usage: OPENAI_API_KEY=... node examples/agentcore-runtime/server.js --http --port 8000
import { serveTools, toolsOfModule } from 'toolport/tools';
import { greetUser } from '../greet/tools.js';
import * as webSearchTools from '../web-search/tools.js';

await serveTools([...toolsOfModule(webSearchTools), greetUser], { name: 'openai-web-search-mcp-server' });
