// Gateway targets may not reach link-local or cloud metadata addresses unless the target sets `allowLinkLocal: true`:
// the gateway makes these requests for its callers, and 169.254.169.254 hands out the host's cloud credentials.
// Loopback and private (RFC 1918) addresses stay allowed: self-hosted users front services of their own network.
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';

/** DNS as `dns.promises.lookup` answers with `all: true`; injectable so tests can map made-up names to loopback. */
export type AddressLookup = (hostname: string, options: LookupAllOptions) => Promise<LookupAddress[]>;

/** How long opening a connection to a target may take. */
const CONNECT_TIMEOUT_MS = 10_000;

const refused = new BlockList();
refused.addSubnet('169.254.0.0', 16, 'ipv4'); // IPv4 link-local (RFC 3927); AWS, GCP, Azure metadata at 169.254.169.254
refused.addSubnet('fe80::', 10, 'ipv6'); // IPv6 link-local (RFC 4291 §2.5.6)
refused.addAddress('fd00:ec2::254', 'ipv6'); // AWS instance metadata over IPv6
refused.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata

/** True for link-local and cloud metadata addresses, their IPv4-mapped IPv6 forms (`::ffff:169.254.1.1`) included. */
export function isLinkLocalOrMetadata(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && refused.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A target address the gateway will not connect to. Not a ToolportError: no caller sees it as is (it becomes a
 * ConfigError or a TargetError), and it travels through DNS and socket callbacks, where a `code` would read as errno's.
 */
export class LinkLocalRefused extends Error {
  constructor(host: string, address: string) {
    const what = host === address ? address : `${host} resolves to ${address}, which`;
    super(`${what} is a link-local or cloud metadata address; set allowLinkLocal: true on the target to allow it`);
  }
}

/**
 * Throws LinkLocalRefused when the URL's host is, or resolves to, a refused address (any of its addresses: which one
 * a connection would use is not ours to pick). A name that does not resolve, or a URL that does not parse, passes:
 * the target's sync reports those.
 */
export async function refuseLinkLocalUrl(url: string, lookup: AddressLookup = dnsLookup): Promise<void> {
  const host = URL.parse(url)?.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return;
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((entry) => entry.address),
        () => [],
      );
  const bad = addresses.find(isLinkLocalOrMetadata);
  if (bad) throw new LinkLocalRefused(host, bad);
}

/** A socket `lookup` that resolves with `lookup` and, when guarding, fails on a refused address. */
function socketLookup(lookup: AddressLookup, guard: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }).then(
      (addresses) => {
        const bad = guard ? addresses.find((entry) => isLinkLocalOrMetadata(entry.address)) : undefined;
        const [first] = addresses;
        if (bad) callback(new LinkLocalRefused(hostname, bad.address), '');
        else if (options.all) callback(null, addresses);
        else if (first) callback(null, first.address, first.family);
        else callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/**
 * The undici Agent for one target's outbound requests. Unless `allowLinkLocal`, every connection (a followed
 * redirect's too) is checked on the address it is made to: a literal host before connecting, a name inside the
 * socket's own lookup, so a name that answers differently after the create-time check (DNS rebinding) is refused.
 */
export function targetAgent(options: { lookup?: AddressLookup | undefined; allowLinkLocal?: boolean | undefined }): Agent {
  const guard = options.allowLinkLocal !== true;
  const connect = buildConnector({ timeout: CONNECT_TIMEOUT_MS, lookup: socketLookup(options.lookup ?? dnsLookup, guard) });
  if (!guard) return new Agent({ connect });
  return new Agent({
    connect: (connection, callback) => {
      // A literal address never goes through the socket's lookup.
      if (isLinkLocalOrMetadata(connection.hostname)) return callback(new LinkLocalRefused(connection.hostname, connection.hostname), null);
      return connect(connection, callback);
    },
  });
}
