import { ConfigError } from '@switchboard/bus';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './loader.js';
import { isServiceLink } from './service-links.js';

/** What Kubernetes injects for a Service `sb-switchboard-api` with one port named grpc. */
const API_SERVICE = {
  SB_SWITCHBOARD_API_SERVICE_HOST: '10.0.0.1',
  SB_SWITCHBOARD_API_SERVICE_PORT: '50051',
  SB_SWITCHBOARD_API_SERVICE_PORT_GRPC: '50051',
  SB_SWITCHBOARD_API_PORT: 'tcp://10.0.0.1:50051',
  SB_SWITCHBOARD_API_PORT_50051_TCP: 'tcp://10.0.0.1:50051',
  SB_SWITCHBOARD_API_PORT_50051_TCP_PROTO: 'tcp',
  SB_SWITCHBOARD_API_PORT_50051_TCP_PORT: '50051',
  SB_SWITCHBOARD_API_PORT_50051_TCP_ADDR: '10.0.0.1',
};

/** A Service `sb-switchboard-edge` with two named ports, over IPv6. */
const EDGE_SERVICE_V6 = {
  SB_SWITCHBOARD_EDGE_SERVICE_HOST: 'fd00::10',
  SB_SWITCHBOARD_EDGE_SERVICE_PORT: '8080',
  SB_SWITCHBOARD_EDGE_SERVICE_PORT_WS: '8080',
  SB_SWITCHBOARD_EDGE_SERVICE_PORT_HTTP_METRICS: '9090',
  SB_SWITCHBOARD_EDGE_PORT: 'tcp://[fd00::10]:8080',
  SB_SWITCHBOARD_EDGE_PORT_8080_TCP: 'tcp://[fd00::10]:8080',
  SB_SWITCHBOARD_EDGE_PORT_8080_TCP_PROTO: 'tcp',
  SB_SWITCHBOARD_EDGE_PORT_8080_TCP_PORT: '8080',
  SB_SWITCHBOARD_EDGE_PORT_8080_TCP_ADDR: 'fd00::10',
  SB_SWITCHBOARD_EDGE_PORT_9090_TCP: 'tcp://[fd00::10]:9090',
  SB_SWITCHBOARD_EDGE_PORT_9090_TCP_PROTO: 'tcp',
  SB_SWITCHBOARD_EDGE_PORT_9090_TCP_PORT: '9090',
  SB_SWITCHBOARD_EDGE_PORT_9090_TCP_ADDR: 'fd00::10',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env, 'edge');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('Kubernetes service-link variables', () => {
  it('recognises every variable Kubernetes injects for a Service', () => {
    for (const env of [API_SERVICE, EDGE_SERVICE_V6]) {
      for (const name of Object.keys(env)) expect(isServiceLink(name, env), name).toBe(true);
    }
  });

  it('are ignored by every role, which starts as without them', () => {
    for (const role of ['standalone', 'edge', 'auth', 'router', 'presence', 'api'] as const) {
      const env = { ...API_SERVICE, ...EDGE_SERVICE_V6, SB_MAX_CONNECTIONS: '20000' };
      expect(loadConfig(env, role)).toEqual(loadConfig({ SB_MAX_CONNECTIONS: '20000' }, role));
    }
  });

  it('do not hide a typo of a real setting', () => {
    // A number where Kubernetes would put tcp://host:port.
    expect(problemsOf({ SB_GPRC_PORT: '50051' })).toEqual([
      'SB_GPRC_PORT is not a Switchboard setting — did you mean SB_GRPC_PORT?',
    ]);
    // The right value shape, but no Service: no `_SERVICE_HOST` sibling.
    expect(problemsOf({ SB_WS_PROT: 'tcp://10.0.0.1:8080' })).toEqual([
      'SB_WS_PROT is not a Switchboard setting — did you mean SB_WS_PORT?',
    ]);
    expect(problemsOf({ SB_HTTP_PRT: '9090' })[0]).toContain('did you mean SB_HTTP_PORT?');
    // A sibling that is not an address does not make a Service either.
    expect(
      problemsOf({ SB_GPRC_SERVICE_HOST: 'localhost', SB_GPRC_SERVICE_PORT: '50051' }).map(
        (p) => p.split(' ')[0],
      ),
    ).toEqual(['SB_GPRC_SERVICE_HOST', 'SB_GPRC_SERVICE_PORT']);
  });

  it('never shadow a real setting: its value is still checked', () => {
    // A Service named `sb-ws` would inject SB_WS_PORT; that is a real setting, and a bad value.
    const env = { SB_WS_SERVICE_HOST: '10.0.0.2', SB_WS_SERVICE_PORT: '80', SB_WS_PORT: 'tcp://10.0.0.2:80' };
    expect(problemsOf(env)).toEqual([
      expect.stringContaining('SB_WS_PORT="tcp://10.0.0.2:80" must be a whole number from 0 to 65535'),
    ]);
  });

  it('need name and value to agree', () => {
    const env = { ...API_SERVICE };
    const check = (name: string, value: string) => isServiceLink(name, { ...env, [name]: value });
    expect(check('SB_SWITCHBOARD_API_PORT', '50051')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_PORT', 'http://10.0.0.1:50051')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_PORT_50051_TCP', 'tcp://10.0.0.1:50052')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_PORT_50051_TCP', 'udp://10.0.0.1:50051')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_PORT_50051_TCP_PROTO', 'udp')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_PORT_50051_TCP_PORT', '8080')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_PORT_50051_TCP_ADDR', 'api.example')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_SERVICE_PORT_GRPC', 'grpc')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_SERVICE_PORT', '70000')).toBe(false);
    expect(check('SB_SWITCHBOARD_API_PORT_53_UDP', 'udp://10.0.0.1:53')).toBe(true);
    // Another Service's host does not vouch for this one.
    expect(isServiceLink('SB_OTHER_PORT', { ...env, SB_OTHER_PORT: 'tcp://10.0.0.1:1' })).toBe(false);
  });
});
