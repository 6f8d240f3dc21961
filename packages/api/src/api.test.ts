import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  encodeJson,
  MemoryBusHub,
  NoRespondersError,
  RemoteError,
  Subjects,
  TimeoutError,
} from '@switchboard/bus';
import { ErrorCode, MAX_JSON_DEPTH } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { ApiKeys } from './auth.js';
import {
  ERROR_CODE_METADATA,
  fromServiceError,
  grpcStatusFor,
  SwitchboardApiError,
  toApiError,
  toServiceError,
  validate,
} from './errors.js';
import { NodeTable } from './nodes.js';
import { disconnectSchema, publishSchema } from './schemas.js';
import { fromWire, parseDataJson } from './wire.js';

const md = (entries: Record<string, string>) => {
  const m = new Metadata();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
};

describe('ApiKeys', () => {
  const keys = new ApiKeys(['old-key-0123456789', 'new-key-0123456789']);

  it('accepts any configured key as bearer or x-api-key (rotation)', () => {
    expect(() => keys.check(md({ authorization: 'Bearer old-key-0123456789' }))).not.toThrow();
    expect(() => keys.check(md({ authorization: 'bearer   new-key-0123456789' }))).not.toThrow();
    expect(() => keys.check(md({ 'x-api-key': 'new-key-0123456789' }))).not.toThrow();
  });

  it('refuses a missing, wrong, or differently sized key with NotAuthenticated', () => {
    for (const m of [
      md({}),
      md({ 'x-api-key': 'old-key' }),
      md({ authorization: 'Basic old-key-0123456789' }),
    ]) {
      let error: unknown;
      try {
        keys.check(m);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SwitchboardApiError);
      expect((error as SwitchboardApiError).code).toBe(ErrorCode.NotAuthenticated);
      expect((error as SwitchboardApiError).grpcStatus).toBe(GrpcStatus.UNAUTHENTICATED);
    }
  });

  it('needs a key unless insecure mode is explicit', () => {
    expect(() => new ApiKeys([])).toThrow(/at least one API key/);
    expect(() => new ApiKeys([], { insecure: true }).check(md({}))).not.toThrow();
    // Insecure with keys: a key is optional, but a wrong one is still refused.
    const mixed = new ApiKeys(['k-0123456789'], { insecure: true });
    expect(() => mixed.check(md({}))).not.toThrow();
    expect(() => mixed.check(md({ 'x-api-key': 'nope' }))).toThrow(/invalid API key/);
  });
});

describe('error mapping', () => {
  it('maps every protocol error code to a gRPC status', () => {
    const expected: Record<number, GrpcStatus> = {
      [ErrorCode.BadRequest]: GrpcStatus.INVALID_ARGUMENT,
      [ErrorCode.UnknownOp]: GrpcStatus.INVALID_ARGUMENT,
      [ErrorCode.NotAuthenticated]: GrpcStatus.UNAUTHENTICATED,
      [ErrorCode.AlreadyAuthenticated]: GrpcStatus.INTERNAL,
      [ErrorCode.Forbidden]: GrpcStatus.PERMISSION_DENIED,
      [ErrorCode.TooLarge]: GrpcStatus.INVALID_ARGUMENT,
      [ErrorCode.NotJoined]: GrpcStatus.NOT_FOUND,
      [ErrorCode.AlreadyJoined]: GrpcStatus.INVALID_ARGUMENT,
      [ErrorCode.TooManyRooms]: GrpcStatus.RESOURCE_EXHAUSTED,
      [ErrorCode.TokenInvalid]: GrpcStatus.UNAUTHENTICATED,
      [ErrorCode.TokenExpired]: GrpcStatus.UNAUTHENTICATED,
      [ErrorCode.TokenNotYetValid]: GrpcStatus.UNAUTHENTICATED,
      [ErrorCode.TokenRevoked]: GrpcStatus.UNAUTHENTICATED,
      [ErrorCode.TokenUserMismatch]: GrpcStatus.UNAUTHENTICATED,
      [ErrorCode.RateLimited]: GrpcStatus.RESOURCE_EXHAUSTED,
      [ErrorCode.Timeout]: GrpcStatus.DEADLINE_EXCEEDED,
      [ErrorCode.Unavailable]: GrpcStatus.UNAVAILABLE,
      [ErrorCode.Internal]: GrpcStatus.INTERNAL,
    };
    for (const code of Object.values(ErrorCode))
      expect([code, grpcStatusFor(code)]).toEqual([code, expected[code]]);
  });

  it('turns bus failures and coded replies into API errors', () => {
    expect(toApiError(new TimeoutError('sb.x', 5)).grpcStatus).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(toApiError(new NoRespondersError('sb.x')).grpcStatus).toBe(GrpcStatus.UNAVAILABLE);
    const limited = toApiError(new RemoteError(ErrorCode.RateLimited, 'slow down', 250));
    expect([limited.grpcStatus, limited.retryAfterMs, limited.temporary]).toEqual([
      GrpcStatus.RESOURCE_EXHAUSTED,
      250,
      true,
    ]);
    expect(toApiError(new Error('boom'))).toMatchObject({
      code: ErrorCode.Internal,
      message: 'internal error',
    });
  });

  it('round-trips through gRPC metadata (sb-error-code, retry-after)', () => {
    const original = new SwitchboardApiError(ErrorCode.RateLimited, 'slow down', { retryAfterMs: 100 });
    const wire = toServiceError(original);
    expect(wire.metadata?.get(ERROR_CODE_METADATA)).toEqual(['2000']);
    const back = fromServiceError(Object.assign(new Error('x'), wire) as ServiceError);
    expect([back.code, back.message, back.retryAfterMs]).toEqual([ErrorCode.RateLimited, 'slow down', 100]);
    // Without the metadata (a transport failure), the status decides.
    const bare = Object.assign(new Error('14 UNAVAILABLE: down'), {
      code: GrpcStatus.UNAVAILABLE,
      details: 'down',
      metadata: new Metadata(),
    });
    expect(fromServiceError(bare).code).toBe(ErrorCode.Unavailable);
  });
});

describe('shared schemas and wire conversion', () => {
  it('validates with a message naming the field', () => {
    expect(() => validate(publishSchema, { room: 'a b', event: 'x' })).toThrow(/"room" must be/);
    expect(() => validate(disconnectSchema, {})).toThrow(/needs a user or a conn/);
    expect(validate(publishSchema, { room: 'a', event: 'x' })).toEqual({ room: 'a', event: 'x', data: null });
  });

  it('treats proto3 defaults as absent and parses data_json', () => {
    expect(
      fromWire.publish({ room: 'r', event: 'e', dataJson: '{"a":1}', idempotencyKey: '', from: '' }),
    ).toEqual({ room: 'r', event: 'e', data: { a: 1 } });
    expect(fromWire.disconnect({ user: 'u', conn: '', code: 0, reason: '' })).toEqual({ user: 'u' });
    expect(parseDataJson('')).toBeNull();
    expect(() => parseDataJson('{')).toThrow(/not valid JSON/);
    expect(() => parseDataJson(JSON.stringify('x'.repeat(70_000)))).toThrow(/larger than/);
  });
});

describe('nesting depth', () => {
  it('answers BadRequest (INVALID_ARGUMENT) for data nested deeper than MAX_JSON_DEPTH, before parsing', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(parseDataJson(deep(MAX_JSON_DEPTH))).toBeDefined();
    for (const text of [deep(MAX_JSON_DEPTH + 1), deep(30_000)]) {
      const error = (() => {
        try {
          parseDataJson(text);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(SwitchboardApiError);
      expect((error as SwitchboardApiError).code).toBe(ErrorCode.BadRequest);
      expect((error as SwitchboardApiError).grpcStatus).toBe(GrpcStatus.INVALID_ARGUMENT);
    }
  });

  it('refuses in-memory data nested too deeply in the shared publish schema', () => {
    let data: unknown = 1;
    for (let i = 0; i < 20_000; i++) data = { a: data };
    expect(() => validate(publishSchema, { room: 'a', event: 'x', data })).toThrow(/nests deeper/);
  });
});

describe('NodeTable', () => {
  it('keeps the latest heartbeat per node, drops silent nodes, always lists itself', async () => {
    const table = new NodeTable({ nodeId: 'api-1', silentMs: 1_000 });
    const beat = (node: string, connections: number) =>
      encodeJson({ node, kind: 'edge', version: '1.2.3', startedAt: 1, ts: 2, connections, rooms: 1 });
    table.record(beat('edge-a', 3), 10_000);
    table.record(beat('edge-b', 5), 10_500);
    table.record(beat('edge-a', 4), 10_600);
    table.record(new TextEncoder().encode('not json'), 10_600);
    table.record(encodeJson({ kind: 'edge' }), 10_600);
    expect(table.list(11_000).map((n) => [n.node, n.connections])).toEqual([
      ['api-1', 0],
      ['edge-a', 4],
      ['edge-b', 5],
    ]);
    expect(table.list(11_550).map((n) => n.node)).toEqual(['api-1', 'edge-a']);
  });

  it('collects sb.nodes.* from the bus and announces itself on sb.nodes.api', async () => {
    const hub = new MemoryBusHub();
    const bus = hub.connect();
    const table = new NodeTable({ nodeId: 'api-x' });
    const seen: string[] = [];
    bus.subscribe(Subjects.nodes('api'), (m) => seen.push(m.subject));
    table.start(bus, 50);
    bus.publish(
      Subjects.nodes('edge'),
      encodeJson({ node: 'e1', kind: 'edge', version: 'v', startedAt: 0, ts: 0 }),
    );
    await new Promise((r) => setTimeout(r, 120));
    table.stop();
    expect(table.list().map((n) => n.node)).toEqual(['api-x', 'e1']);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    await bus.close();
  });
});
