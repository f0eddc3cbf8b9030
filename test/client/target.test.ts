import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentCoreRegion, resolveTarget } from '../../src/client/index.js';

describe('AgentCore runtime ARN → regional invocation URL', () => {
  const cases: { arn: string; qualifier?: string; host: string; qualifierInUrl: string }[] = [
    { arn: 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-server', host: 'bedrock-agentcore.us-west-2.amazonaws.com', qualifierInUrl: 'DEFAULT' },
    {
      arn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/mcp_server-AbC123',
      qualifier: 'prod',
      host: 'bedrock-agentcore.us-east-1.amazonaws.com',
      qualifierInUrl: 'prod',
    },
    {
      arn: 'arn:aws:bedrock-agentcore:eu-central-1:210987654321:runtime/greet-x1',
      qualifier: 'blue-green_2',
      host: 'bedrock-agentcore.eu-central-1.amazonaws.com',
      qualifierInUrl: 'blue-green_2',
    },
    {
      arn: 'arn:aws:bedrock-agentcore:ap-southeast-2:123456789012:runtime/tools',
      qualifier: 'v 2/β',
      host: 'bedrock-agentcore.ap-southeast-2.amazonaws.com',
      qualifierInUrl: 'v%202%2F%CE%B2',
    },
    {
      arn: 'arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:123456789012:runtime/gov',
      host: 'bedrock-agentcore.us-gov-west-1.amazonaws.com',
      qualifierInUrl: 'DEFAULT',
    },
    {
      arn: 'arn:aws-cn:bedrock-agentcore:cn-north-1:123456789012:runtime/cn',
      host: 'bedrock-agentcore.cn-north-1.amazonaws.com.cn',
      qualifierInUrl: 'DEFAULT',
    },
  ];

  for (const { arn, qualifier, host, qualifierInUrl } of cases) {
    it(`${arn.split(':')[3]}${qualifier ? ` @ ${qualifier}` : ''}`, () => {
      const url = resolveTarget(arn, qualifier ? { qualifier } : {});
      // The ARN is one path segment: every ':' and '/' percent-encoded, as AgentCore's data plane expects.
      assert.equal(url.href, `https://${host}/runtimes/${encodeURIComponent(arn)}/invocations?qualifier=${qualifierInUrl}`);
      assert.ok(!url.pathname.slice('/runtimes/'.length).replace('/invocations', '').includes('/'));
      assert.equal(agentCoreRegion(url), arn.split(':')[3], 'the SigV4 region is the ARN region');
    });
  }

  it('refuses malformed ARNs rather than guessing a region', () => {
    for (const bad of [
      'arn:aws:bedrock-agentcore::123456789012:runtime/x',
      'arn:aws:bedrock-agentcore:us-east-1:12345:runtime/x',
      'arn:aws:lambda:us-east-1:123456789012:function:f',
    ]) {
      assert.throws(() => resolveTarget(bad), /not a target/);
    }
  });

  it('takes the SigV4 region from AgentCore gateway URLs, and none from other hosts', () => {
    assert.equal(agentCoreRegion(new URL('https://my-gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp')), 'eu-west-1');
    assert.equal(agentCoreRegion(resolveTarget('https://my-gw-abc123.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp')), 'us-east-1');
    assert.equal(agentCoreRegion(new URL('http://127.0.0.1:8080/runtimes/greet/invocations')), undefined);
  });
});
