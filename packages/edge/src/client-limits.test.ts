import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientLimits } from './client-limits.js';

const rules = {
  maxConnectionsPerIp: 0,
  maxUnauthenticatedPerIp: 0,
  upgradeRatePerIp: 0,
  upgradeBurstPerIp: 1,
  trustedProxies: ['10.0.0.0/8', '::1'],
};
const req = (remoteAddress: string, xff?: string) =>
  ({
    socket: { remoteAddress },
    headers: xff !== undefined ? { 'x-forwarded-for': xff } : {},
  }) as unknown as IncomingMessage;

describe('ClientLimits', () => {
  it('believes X-Forwarded-For only from trusted proxies, right-most untrusted hop first', () => {
    const limits = new ClientLimits(rules);
    expect(limits.clientIp(req('203.0.113.1', '198.51.100.1'))).toBe('203.0.113.1');
    expect(limits.clientIp(req('10.1.2.3', 'spoofed, 198.51.100.1, 10.9.9.9'))).toBe('198.51.100.1');
    expect(limits.clientIp(req('::ffff:10.1.2.3', '198.51.100.2'))).toBe('198.51.100.2');
    expect(limits.clientIp(req('::1', 'not-an-ip'))).toBe('::1');
    expect(() => new ClientLimits({ ...rules, trustedProxies: ['nope'] })).toThrow(/not an IP/);
  });

  it('keeps per-IP state bounded: counts vanish at zero, rate buckets are capped', () => {
    const limits = new ClientLimits({
      ...rules,
      maxConnectionsPerIp: 1,
      upgradeRatePerIp: 1,
      upgradeBurstPerIp: 1,
    });
    for (let i = 0; i < 60_000; i++) limits.refusal(`198.18.${i >> 8}.${i & 255}`, true, 0);
    expect(limits.trackedIps).toBeLessThanOrEqual(50_000);
    const socket = new EventEmitter();
    const ticket = limits.track('192.0.2.1', socket, false);
    expect(limits.refusal('192.0.2.1', false, 10_000)?.result).toBe('ip_connections');
    ticket.authenticate();
    socket.emit('close');
    expect(limits.refusal('192.0.2.1', false, 20_000)).toBeUndefined();
  });
});
