import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type * as Sdk from './index.js';

/** The SDK as a browser bundle ships it: minified, so class names are mangled. */
async function minifiedSdk(): Promise<typeof Sdk> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const code = result.outputFiles[0]?.text ?? '';
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as typeof Sdk;
}

describe('error classes', () => {
  it('keep their names after minification', async () => {
    const sdk = await minifiedSdk();
    const body = { code: 1101, message: 'token expired' };
    const errors = {
      RequestError: new sdk.RequestError('join', body),
      ConnectRejectedError: new sdk.ConnectRejectedError(body),
      StaleTokenError: new sdk.StaleTokenError(new sdk.ConnectRejectedError(body)),
      TimeoutError: new sdk.TimeoutError('publish', 10),
      NotConnectedError: new sdk.NotConnectedError('history'),
      ConnectionLostError: new sdk.ConnectionLostError('history'),
      ClientClosedError: new sdk.ClientClosedError('publish'),
      ConnectionClosedError: new sdk.ConnectionClosedError(4500, 'unauthorized'),
      QueueFullError: new sdk.QueueFullError('k', false),
      TokenProviderError: new sdk.TokenProviderError(new Error('down')),
      HeartbeatTimeoutError: new sdk.HeartbeatTimeoutError(1),
      TransportError: new sdk.TransportError('failed'),
      ProtocolViolationError: new sdk.ProtocolViolationError('odd frame'),
      CancelledError: new sdk.CancelledError('join', 'left'),
      SwitchboardError: new sdk.SwitchboardError('x', 'y'),
    };
    // Every exported error class is covered.
    const exported = Object.entries(sdk)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name]) => name)
      .sort();
    expect(Object.keys(errors).sort()).toEqual(exported);
    for (const [name, error] of Object.entries(errors)) {
      expect(error.name).toBe(name);
      expect(String(error)).toMatch(new RegExp(`^${name}: `));
    }
  });

  it("put the server's reason and code in the message", async () => {
    const sdk = await import('./index.js');
    const rejected = new sdk.ConnectRejectedError({ code: 1101, message: 'token expired' });
    expect(rejected.message).toBe('connect rejected: token expired (1101)');
    expect(rejected.code).toBe('request_failed');
    expect(rejected.staleToken).toBe(true);
    expect(new sdk.ConnectRejectedError({ code: 1103, message: 'token revoked' }).staleToken).toBe(false);
    expect(new sdk.StaleTokenError(rejected)).toMatchObject({ code: 'token_expired', serverCode: 1101 });
    const closed = new sdk.ConnectionClosedError(1006, 'connect_rejected', { cause: rejected });
    expect(closed.message).toBe('connect rejected: token expired (1101)');
    expect(new sdk.ConnectionClosedError(4500, 'unauthorized').message).toBe(
      'connection closed for good: unauthorized (4500)',
    );
  });
});
