import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, LookupFunction } from 'node:net';

/*
 * Where kpaas-backend may connect with a cluster's credential or probe a platform link: the
 * CIDRs of `kpaas.clusterNetworks` (default the private IPv4 ranges), never link-local or cloud
 * metadata addresses. Checked at registration (literal IP or every address the name resolves to)
 * and again at every connection, on the address the socket is about to use, so a name that
 * later resolves elsewhere (DNS rebinding) is refused too.
 */

/** Private IPv4 ranges. Loopback is not among them: dev and tests list 127.0.0.0/8 explicitly. */
export const DEFAULT_CLUSTER_NETWORKS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
];

/** Refused whatever the config says: link-local (incl. 169.254.169.254) and metadata endpoints. */
export const ALWAYS_REFUSED_NETWORKS = [
  '169.254.0.0/16',
  'fe80::/10',
  'fd00:ec2::254/128',
  '0.0.0.0/8',
  '::/128',
];

const CONFIG_KEY = 'kpaas.clusterNetworks';

/** Error code of a refused address (shows up as the reason of an unreachable cluster). */
export const REFUSED_CODE = 'EKPAASNETWORK';

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** `::ffff:10.0.0.1` is 10.0.0.1. */
function unmap(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

function toBlockList(cidrs: string[], what: string): BlockList {
  const list = new BlockList();
  cidrs.forEach((cidr, i) => {
    const [address, bits, extra] = cidr.trim().split('/');
    const prefix = Number(bits);
    const kind = isIP(address);
    if (
      extra !== undefined ||
      !kind ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > (kind === 4 ? 32 : 128)
    ) {
      throw new Error(
        `${what}[${i}] "${cidr}" is not a CIDR; use e.g. "10.0.0.0/8" or "fd12:3456::/48"`,
      );
    }
    list.addSubnet(address, prefix, family(address));
  });
  return list;
}

export class ClusterNetworks {
  private readonly allowed: BlockList;
  private readonly refused = toBlockList(
    ALWAYS_REFUSED_NETWORKS,
    'ALWAYS_REFUSED_NETWORKS',
  );

  constructor(readonly cidrs: string[] = DEFAULT_CLUSTER_NETWORKS) {
    this.allowed = toBlockList(cidrs, CONFIG_KEY);
  }

  static fromConfig(config: Config): ClusterNetworks {
    return new ClusterNetworks(
      config.getOptionalStringArray(CONFIG_KEY) ?? DEFAULT_CLUSTER_NETWORKS,
    );
  }

  /** Why `address` (an IP) may not be connected to, or undefined when it may. */
  refusal(rawAddress: string): string | undefined {
    const address = unmap(rawAddress);
    if (!isIP(address)) return `"${rawAddress}" is not an IP address`;
    if (this.refused.check(address, family(address))) {
      return `${address} is a link-local or metadata address, which kpaas never connects to`;
    }
    if (!this.allowed.check(address, family(address))) {
      return `${address} is outside ${CONFIG_KEY} (${this.cidrs.join(', ')})`;
    }
    return undefined;
  }

  /**
   * Checks a host at registration: a literal IP, or every address the name resolves to.
   * Throws an InputError naming `field` and kpaas.clusterNetworks.
   */
  async assertHostAllowed(host: string, field: string): Promise<void> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    if (isIP(bare)) {
      addresses = [bare];
    } else {
      try {
        addresses = await new Promise<string[]>((resolve, reject) =>
          dnsLookup(bare, { all: true }, (error, result) =>
            error ? reject(error) : resolve(result.map(r => r.address)),
          ),
        );
      } catch (error) {
        throw new InputError(
          `${field}: host "${bare}" does not resolve (${
            (error as { code?: string }).code ?? 'DNS error'
          }); use an address kpaas-backend can reach`,
        );
      }
    }
    for (const address of addresses) {
      const why = this.refusal(address);
      if (why) {
        throw new InputError(
          `${field}: ${why}; kpaas only connects to cluster networks listed in ${CONFIG_KEY}`,
        );
      }
    }
  }

  /** An Error for a refused connection (no request is sent). */
  refusedError(host: string, why: string): Error {
    return Object.assign(
      new Error(`not connecting to ${host}: ${why} (${CONFIG_KEY})`),
      { code: REFUSED_CODE },
    );
  }

  /** Throws when `host` is a literal IP that may not be connected to (those skip DNS lookup). */
  assertLiteralAllowed(host: string): void {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    if (!isIP(bare)) return;
    const why = this.refusal(bare);
    if (why) throw this.refusedError(bare, why);
  }

  /**
   * A `lookup` for sockets (net/tls/https `lookup` option): resolves as usual and fails the
   * connection when a resolved address is refused, before anything is sent.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        (callback as any)(error);
        return;
      }
      const list = addresses as unknown as Array<{
        address: string;
        family: number;
      }>;
      for (const { address } of list) {
        const why = this.refusal(address);
        if (why) {
          (callback as any)(this.refusedError(hostname, why));
          return;
        }
      }
      if ((options as { all?: boolean }).all) {
        (callback as any)(null, list);
      } else {
        (callback as any)(null, list[0].address, list[0].family);
      }
    });
  };
}
