// Seed 004's Lambda (index.py's lambda_handler) in JavaScript, unchanged in behaviour: the event is the bare arguments
// object AgentCore Gateway sends, and the answer is { statusCode, body } as the seed returns it. Deploy it to AWS
// Lambda as it is, or run it locally as a Toolport `function` target with `lambda: { handler: .../index.mjs#handler }`.
import { openaiWebSearch } from '../search.mjs';

export const handler = async (event, context) => {
  console.log(`tool ${context.clientContext?.custom?.bedrockAgentCoreToolName} request ${context.awsRequestId}`);
  try {
    const result = await openaiWebSearch(event.question);
    return { statusCode: 200, body: result };
  } catch (error) {
    return { statusCode: 500, body: `Error occurred: ${error.message}` };
  }
};
