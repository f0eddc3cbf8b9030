// The log level of a 2025-11-25 upstream session, which every caller shares.
import type { LoggingLevel } from '@modelcontextprotocol/client';
import { PER_REQUEST_PROTOCOL_VERSION } from '../../../http/index.js';
import { sdkTimeoutPast } from '../../deadline.js';
import { logSeverity } from '../types.js';
import type { Upstream } from './upstream.js';

/**
 * A 2025-11-25 upstream has one log level for the shared session, so it is set to the lowest level any caller has
 * asked for (each caller's own level is applied as messages are forwarded). A 2026-07-28 upstream gets the caller's
 * level in each call's envelope instead. Logging is best effort: a failed `logging/setLevel` does not fail the call.
 */
export function lowerLogLevel(upstream: Upstream, level: LoggingLevel, timeoutMs: number): Promise<void> {
  const version = upstream.client.getNegotiatedProtocolVersion();
  if ((version !== undefined && version >= PER_REQUEST_PROTOCOL_VERSION) || !upstream.client.getServerCapabilities()?.logging) return Promise.resolve();
  if (upstream.logLevel !== undefined && logSeverity(upstream.logLevel) <= logSeverity(level)) return upstream.levelRequests;
  upstream.logLevel = level;
  upstream.levelRequests = upstream.levelRequests
    .then(() => upstream.client.setLoggingLevel(level, { timeout: sdkTimeoutPast(timeoutMs) }))
    .then(
      () => undefined,
      () => {
        if (upstream.logLevel === level) upstream.logLevel = undefined; // the next caller who wants logs tries again
      },
    );
  return upstream.levelRequests;
}
