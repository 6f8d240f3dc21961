import { describe, expect, it } from 'vitest';
import { grpcTarget, wsUrl } from './targets.js';

describe('server address fallbacks', () => {
  it('default to the local ports', () => {
    expect(grpcTarget({})).toBe('localhost:50051');
    expect(wsUrl({})).toBe('ws://localhost:8080');
  });

  it("use the server's SB_* ports and hosts when SWITCHBOARD_* are unset", () => {
    const env = { SB_GRPC_PORT: '50999', SB_WS_PORT: '9999' };
    expect(grpcTarget(env)).toBe('localhost:50999');
    expect(wsUrl(env)).toBe('ws://localhost:9999');
    const hosts = { ...env, SB_GRPC_HOST: '10.1.2.3', SB_WS_HOST: 'edge.local' };
    expect(grpcTarget(hosts)).toBe('10.1.2.3:50999');
    expect(wsUrl(hosts)).toBe('ws://edge.local:9999');
  });

  it('dial this machine when the server listens on every interface', () => {
    expect(grpcTarget({ SB_GRPC_HOST: '0.0.0.0' })).toBe('localhost:50051');
    expect(wsUrl({ SB_WS_HOST: '::', SB_WS_PORT: '81' })).toBe('ws://localhost:81');
    expect(grpcTarget({ SB_GRPC_HOST: '::1' })).toBe('[::1]:50051');
  });

  it('prefer SWITCHBOARD_GRPC and SWITCHBOARD_URL, and ignore empty values', () => {
    const env = {
      SWITCHBOARD_GRPC: 'api:1234',
      SWITCHBOARD_URL: 'wss://sb.example',
      SB_GRPC_PORT: '50999',
      SB_WS_PORT: '9999',
    };
    expect(grpcTarget(env)).toBe('api:1234');
    expect(wsUrl(env)).toBe('wss://sb.example');
    expect(grpcTarget({ SWITCHBOARD_GRPC: '', SB_GRPC_PORT: '50999' })).toBe('localhost:50999');
    expect(wsUrl({ SWITCHBOARD_URL: ' ', SB_WS_PORT: '' })).toBe('ws://localhost:8080');
  });
});
