import { credentials, status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ERROR_CODE_METADATA, loadProtos } from '@switchboard/api';
import { ErrorCode } from '@switchboard/protocol';
import { startSwitchboard, type TestSwitchboard } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flipChars,
  int,
  mulberry32,
  mutateBytes,
  mutateObject,
  nestedText,
  pick,
  type Rng,
} from './mutate.js';

/**
 * Mutated gRPC requests against a real server: fields of wrong types and values, `data_json`
 * that is broken or nested too deep, and protobuf bytes flipped or cut. No reply may be an
 * internal error (2003 / INTERNAL / UNKNOWN) — except grpc-js's own "Error deserializing
 * request" for bytes that are not a protobuf message at all, which never reaches our code.
 * SWITCHBOARD_FUZZ_SEED reproduces a run; SWITCHBOARD_FUZZ_REQUESTS sets the count (default 4,000).
 */
const SEED = Number(process.env['SWITCHBOARD_FUZZ_SEED'] ?? 20_261_128);
const REQUESTS = Number(process.env['SWITCHBOARD_FUZZ_REQUESTS'] ?? 4_000);
const CONCURRENCY = 16;

const BASE: Record<string, Record<string, unknown>> = {
  Publish: { room: 'chat:lobby', event: 'say', dataJson: '{"a":1}', idempotencyKey: 'k', from: 'svc' },
  Broadcast: { rooms: ['a', 'b'], event: 'e', dataJson: '[1,2]', idempotencyKey: '', from: '' },
  PublishToUser: { user: 'alice', event: 'e', dataJson: '"x"' },
  Presence: { room: 'chat:lobby' },
  PresenceStats: { room: 'chat:lobby' },
  History: { room: 'chat:lobby', since: { offset: 1, epoch: 'e' }, limit: 10, reverse: true },
  Disconnect: { user: 'nobody', conn: '', code: 4503, reason: 'r' },
  Subscribe: { user: 'nobody', room: 'chat:lobby' },
  Unsubscribe: { user: 'nobody', room: 'chat:lobby' },
  Rooms: { cursor: '', limit: 10 },
  Info: {},
  RevokeToken: { jti: 'j', untilMs: Date.now() + 60_000 },
  RevokeUser: { user: 'nobody', issuedBeforeMs: 0 },
};

function mutatedDataJson(rng: Rng): string {
  return pick(rng, [
    nestedText(60 + int(rng, 30_000)),
    `${'{"a":'.repeat(int(rng, 20_000))}1`,
    flipChars(rng, '{"text":"hi","n":[1,2,3]}'),
    '',
    'null',
    '1e999',
    '"\\ud800"',
  ]);
}

describe('fuzzing the gRPC API', () => {
  let sb: TestSwitchboard;
  beforeAll(async () => {
    sb = await startSwitchboard({ config: { userPublishRate: 0 } });
  });
  afterAll(() => sb?.stop());

  it(`${REQUESTS} mutated requests (seed ${SEED}): no internal error, no crash`, {
    timeout: 120_000,
  }, async () => {
    const { Switchboard } = loadProtos();
    const client = new Switchboard(sb.grpcUrl, credentials.createInsecure());
    const rng = mulberry32(SEED);
    const findings: string[] = [];
    let deserializeRefusals = 0;
    let sent = 0;

    const one = async (): Promise<void> => {
      const method = pick(rng, Object.keys(BASE));
      const def = Switchboard.service[method]!;
      let body: Buffer;
      const mode = int(rng, 3);
      try {
        const request = mode === 0 ? { ...BASE[method]! } : mutateObject(rng, BASE[method]!);
        if ('dataJson' in request && rng() < 0.5) request['dataJson'] = mutatedDataJson(rng);
        body = def.requestSerialize(request);
      } catch {
        // protobufjs refused to encode the value: send the base request's bytes, flipped.
        body = def.requestSerialize(BASE[method]!);
      }
      if (mode === 2 || rng() < 0.2) body = mutateBytes(rng, body);
      const md = new Metadata();
      md.set('x-api-key', sb.apiKey);
      sent++;
      const error = await new Promise<ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          `/switchboard.v1.Switchboard/${method}`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          md,
          { deadline: Date.now() + 10_000 },
          (err) => resolve(err),
        );
      });
      if (!error) return;
      const sbCode = error.metadata?.get(ERROR_CODE_METADATA)[0]?.toString();
      if (sbCode === String(ErrorCode.Internal)) findings.push(`${method}: 2003 ${error.details}`);
      else if (error.code === GrpcStatus.INTERNAL || error.code === GrpcStatus.UNKNOWN) {
        if (error.details === 'Error deserializing request' && sbCode === undefined) deserializeRefusals++;
        else findings.push(`${method}: ${GrpcStatus[error.code]} ${error.details}`);
      } else if (error.code === GrpcStatus.DEADLINE_EXCEEDED) findings.push(`${method}: no answer`);
    };

    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < REQUESTS) await one();
      }),
    );
    client.close();
    expect(findings).toEqual([]);
    expect((await fetch(`${sb.httpUrl}/readyz`)).status).toBe(200);
    console.info(
      `grpc fuzz: ${sent} requests in ${Date.now() - started} ms (seed ${SEED}; ${deserializeRefusals} undecodable)`,
    );
  });
});
