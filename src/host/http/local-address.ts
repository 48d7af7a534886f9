import { BlockList, isIPv4, isIPv6 } from 'node:net';

// Everything that is not the public internet: a plugin reaching these could read the operator's
// router, cloud metadata (169.254.169.254) or services bound to localhost.
const RANGES: readonly (readonly [kind: string, network: string, prefix: number])[] = [
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['shared (CGNAT)', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24],
  ['private', '192.168.0.0', 16],
  ['benchmarking', '198.18.0.0', 15],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['local-use NAT64', '64:ff9b:1::', 48],
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['site-local', 'fec0::', 10],
  ['multicast', 'ff00::', 8],
];

// One list per kind so a refusal can say which kind; BlockList also matches IPv4-mapped IPv6
// (::ffff:127.0.0.1, ::ffff:7f00:1) against the IPv4 rules by itself.
const LISTS = new Map<string, BlockList>();
for (const [kind, network, prefix] of RANGES) {
  const list = LISTS.get(kind) ?? new BlockList();
  list.addSubnet(network, prefix, isIPv4(network) ? 'ipv4' : 'ipv6');
  LISTS.set(kind, list);
}

/**
 * The kind of non-public address `ip` is ('loopback', 'private', ...), or undefined for a public
 * address. Something that is not an IP address at all counts as local: refusing is the safe side.
 */
export function localAddressKind(ip: string): string | undefined {
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
  if (family === undefined) return 'not an IP address';
  for (const [kind, list] of LISTS) if (list.check(ip, family)) return kind;
  // IPv4 carried inside IPv6 that BlockList does not unwrap: IPv4-compatible (::a.b.c.d) and
  // NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address.
  const embedded = family === 'ipv6' ? embeddedIPv4(ip) : undefined;
  const inner = embedded === undefined ? undefined : localAddressKind(embedded);
  return inner === undefined ? undefined : `${inner} (embedded in IPv6)`;
}

/** The IPv4 address in the low 32 bits of ::/96 or 64:ff9b::/96, else undefined. */
function embeddedIPv4(ip: string): string | undefined {
  const groups = expandIPv6(ip);
  const prefix = groups.slice(0, 6).map((group) => group.toString(16)).join(':');
  if (prefix !== '0:0:0:0:0:0' && prefix !== '64:ff9b:0:0:0:0') return undefined;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/** Eight 16-bit groups of a valid IPv6 address (as checked by isIPv6), dotted tail included. */
function expandIPv6(ip: string): number[] {
  const bare = ip.split('%')[0];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(bare);
  const hex = dotted === null ? bare : bare.slice(0, dotted.index) + toGroups(dotted.slice(1).map(Number));
  const [head, tail] = hex.split('::');
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function toGroups([a, b, c, d]: number[]): string {
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}
