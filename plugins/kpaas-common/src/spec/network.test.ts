import {
  cidrHost,
  formatIpv4,
  parseIpv4,
  parseIpv4Cidr,
  parseIpv4Range,
  rangesOverlap,
} from './network';

describe('IPv4 helpers', () => {
  it('parses strict dotted quads only', () => {
    expect(parseIpv4('192.168.100.101')).toBe(3232261221);
    expect(formatIpv4(3232261221)).toBe('192.168.100.101');
    expect(parseIpv4('010.0.0.1')).toBeUndefined();
    expect(parseIpv4('10.1')).toBeUndefined();
  });

  it('parses canonical CIDR blocks', () => {
    expect(parseIpv4Cidr('10.233.64.0/18')).toMatchObject({
      prefix: 18,
      size: 16384,
    });
    expect(parseIpv4Cidr('10.233.64.1/18')).toBeUndefined();
    expect(parseIpv4Cidr('10.233.64.0/08')).toBeUndefined();
    expect(parseIpv4Cidr('10/8')).toBeUndefined();
  });

  it('computes host addresses like Terraform cidrhost, refusing network and broadcast', () => {
    expect(cidrHost('172.16.0.0/24', 101)).toBe('172.16.0.101');
    expect(cidrHost('172.16.0.0/16', 300)).toBe('172.16.1.44');
    expect(cidrHost('172.16.0.0/24', 0)).toBeUndefined();
    expect(cidrHost('172.16.0.0/24', 255)).toBeUndefined();
    expect(cidrHost('192.168.100.0/25', 200)).toBeUndefined();
  });

  it('parses ranges and detects overlaps', () => {
    const range = parseIpv4Range('192.168.100.210-192.168.100.250');
    expect(range && range.last - range.first).toBe(40);
    expect(parseIpv4Range('192.168.100.250-192.168.100.210')).toBeUndefined();
    const pods = parseIpv4Cidr('10.233.64.0/18')!;
    const services = parseIpv4Cidr('10.233.0.0/18')!;
    expect(rangesOverlap(pods, services)).toBe(false);
    expect(rangesOverlap(pods, parseIpv4Cidr('10.233.0.0/16')!)).toBe(true);
  });
});
