// The URL contract of runtimes, gateways and their RFC 9728 metadata: what one side builds, the other parses back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BadPathError,
  TOOLPORT_RUNTIME_ARN,
  gatewayPath,
  gatewayUrl,
  metadataPath,
  parseEndpointPath,
  runtimeArn,
  runtimeNameOfRef,
  runtimePath,
  runtimePathOfSegment,
  runtimeUrl,
  underEndpointPrefix,
} from '../../src/http/index.js';

describe('runtime and gateway URLs: build → parse round trip', () => {
  const runtimes: { ref: string; name: string; path: string }[] = [
    { ref: 'greet', name: 'greet', path: '/runtimes/greet/invocations' },
    { ref: 'a_b-C9', name: 'a_b-C9', path: '/runtimes/a_b-C9/invocations' },
    // Every ':' and '/' of an ARN is encoded: the ARN is one path segment, as AgentCore's data plane expects.
    { ref: runtimeArn('greet'), name: 'greet', path: '/runtimes/arn%3Atoolport%3Aruntime%3Alocal%3A000000000000%3Aruntime%2Fgreet/invocations' },
    {
      ref: 'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/my-server',
      name: 'my-server',
      path: '/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A123456789012%3Aruntime%2Fmy-server/invocations',
    },
    // Characters that need encoding survive the trip (the edge then refuses the name; the contract does not decide that).
    { ref: 'sp ace%/?#β', name: 'sp ace%/?#β', path: '/runtimes/sp%20ace%25%2F%3F%23%CE%B2/invocations' },
  ];
  for (const { ref, name, path } of runtimes) {
    it(`runtime ${ref}`, () => {
      assert.equal(runtimePath(ref), path);
      for (const addressed of [path, `${path}/`]) {
        const parsed = parseEndpointPath(addressed);
        assert.deepEqual(parsed, { kind: 'runtime', metadata: false, segment: path.split('/')[2], ref });
        assert.equal(runtimeNameOfRef(parsed.ref), name);
        assert.equal(runtimePathOfSegment(parsed.segment), path, 'the path as addressed is rebuilt from the raw segment, never re-encoded');
      }
      // RFC 9728 §3.1: metadata path = well-known prefix + resource path; it parses back to the same runtime.
      assert.deepEqual(parseEndpointPath(metadataPath(path)), { kind: 'runtime', metadata: true, segment: path.split('/')[2], ref });
      assert.equal(metadataPath(path), `/.well-known/oauth-protected-resource${path}`);
    });
  }

  it('a runtime URL carries the qualifier encoded, DEFAULT when none is given', () => {
    assert.equal(runtimeUrl('http://127.0.0.1:8080', 'greet'), 'http://127.0.0.1:8080/runtimes/greet/invocations?qualifier=DEFAULT');
    assert.equal(runtimeUrl('https://h.example/base', 'greet', 'v 2/β'), 'https://h.example/base/runtimes/greet/invocations?qualifier=v%202%2F%CE%B2');
    const url = new URL(runtimeUrl('http://127.0.0.1:1', runtimeArn('x'), 'prod'));
    assert.equal(url.searchParams.get('qualifier'), 'prod');
    assert.equal(parseEndpointPath(url.pathname)?.ref, runtimeArn('x'), 'URL parsing keeps the ARN single-encoded');
  });

  for (const name of ['tools', 'a_b-C9', 'needs encoding/β']) {
    it(`gateway ${name}`, () => {
      const path = gatewayPath(name);
      assert.equal(gatewayUrl('http://127.0.0.1:8080', name), `http://127.0.0.1:8080${path}`);
      assert.deepEqual(parseEndpointPath(path), { kind: 'gateway', metadata: false, segment: encodeURIComponent(name), ref: name });
      assert.deepEqual(parseEndpointPath(`${path}/`)?.ref, name);
      assert.deepEqual(parseEndpointPath(metadataPath(path)), { kind: 'gateway', metadata: true, segment: encodeURIComponent(name), ref: name });
    });
  }

  it('Toolport runtime ARNs are what runtimeArn builds', () => {
    assert.match(runtimeArn('greet'), TOOLPORT_RUNTIME_ARN);
    assert.equal(runtimeNameOfRef(runtimeArn('a_b-C9')), 'a_b-C9');
  });
});

describe('runtime and gateway URLs: malformed ones are refused', () => {
  it('paths that name no endpoint parse to nothing', () => {
    for (const path of [
      '/runtimes//invocations',
      '/runtimes/a/b/invocations',
      '/runtimes/arn:toolport:runtime:local:000000000000:runtime/greet/invocations', // an unencoded ARN is two segments
      '/runtimes/greet',
      '/runtimes/greet/invocations/x',
      '/runtimes/greet/mcp',
      '/gateways/tools/invocations',
      '/gateways//mcp',
      '/gateways/tools',
      '/x/runtimes/greet/invocations',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/',
      '/.well-known/oauth-protected-resourceruntimes/greet/invocations',
      '/.well-known/oauth-authorization-server/runtimes/greet/invocations',
    ]) {
      assert.equal(parseEndpointPath(path), undefined, path);
    }
  });

  it('a malformed percent escape is a 400, not a URIError', () => {
    for (const path of ['/runtimes/%ZZ/invocations', '/gateways/a%2/mcp', '/.well-known/oauth-protected-resource/runtimes/%E0%A4%A/invocations']) {
      assert.throws(
        () => parseEndpointPath(path),
        (error: unknown) => error instanceof BadPathError && error.httpStatus === 400,
        path,
      );
    }
  });

  it('an ARN of anything but a runtime names no runtime', () => {
    for (const ref of [
      'arn:toolport:lambda:local:000000000000:function:f',
      'arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/g',
      'arn:toolport:runtime:local:0:runtime/',
      'arn:',
    ]) {
      assert.equal(runtimeNameOfRef(ref), undefined, ref);
    }
    for (const ref of ['arn:toolport:runtime:local:000000000000:runtime/greet/x', 'arn:toolport:runtime:local:000000000000:function/greet']) {
      assert.doesNotMatch(ref, TOOLPORT_RUNTIME_ARN);
    }
  });

  it('only runtime and gateway paths lie under an endpoint prefix', () => {
    for (const path of ['/runtimes/x/invocations', '/gateways/g/mcp', '/runtimes/x']) assert.ok(underEndpointPrefix(path), path);
    for (const path of ['/runtimes/', '/runtimes//invocations', '/api/runtimes/x', '/identity', '/']) assert.ok(!underEndpointPrefix(path), path);
  });
});
