import { GrpcServerClient } from '@switchboard/server-sdk';
import { type Cluster, connectSocket, startCluster } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type ApiProcess, startApiProcess } from './api-process.js';
import { OtlpReceiver, type ReceivedSpan, SpanKinds } from './otlp-receiver.js';

/**
 * Tracing across processes: every service of a real cluster exports OTLP/JSON to a real
 * receiver, and one trace follows a message from the client's command through the edge, the
 * router and Redis to its delivery; a gRPC call of the server API is a server span.
 */
describe('tracing: one trace across the processes of a cluster', () => {
  let receiver: OtlpReceiver;
  let cluster: Cluster;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_TRACES_SAMPLER: 'always_on',
    };
    cluster = await startCluster({ edges: 1, routers: 1, env: otel });
    api = await startApiProcess(cluster, otel);
  }, 120_000);

  afterAll(async () => {
    api?.stop();
    await cluster?.stop();
    await receiver?.close();
  }, 60_000);

  const childOf = (parent: ReceivedSpan) => (s: ReceivedSpan) =>
    s.traceId === parent.traceId && s.parentSpanId === parent.spanId;

  it('client publish → edge command → router → Redis → delivery, one trace', async () => {
    const edgeUrl = cluster.edgeUrls[0]!;
    const publisher = await connectSocket(edgeUrl, cluster.token('alice'));
    const member = await connectSocket(edgeUrl, cluster.token('bob'));
    await member.call({ op: 'join', room: 'traced' });
    const { offset } = await publisher.call({ op: 'publish', room: 'traced', event: 'e', data: 1 });
    await member.push('msg', (m) => m.offset === offset);

    const command = await receiver.waitFor(
      'switchboard publish (edge)',
      (s) => s.name === 'switchboard publish' && s.attributes['switchboard.room'] === 'traced',
    );
    expect(command.service).toBe('switchboard-edge');
    expect(command.kind).toBe(SpanKinds.server);
    expect(command.parentSpanId).toBe('');

    const routed = await receiver.waitFor('sb.router.publish under the command', childOf(command));
    expect(routed.name).toBe('sb.router.publish');
    expect(routed.service).toBe('switchboard-router');
    expect(routed.kind).toBe(SpanKinds.server);
    expect(routed.attributes['messaging.system']).toBe('nats');

    const redis = await receiver.waitFor(
      'a Redis command under the router span',
      (s) =>
        childOf(routed)(s) &&
        s.kind === SpanKinds.client &&
        (s.attributes['db.system'] ?? s.attributes['db.system.name']) !== undefined,
    );
    expect(redis.service).toBe('switchboard-router');
    expect(String(redis.attributes['db.system'] ?? redis.attributes['db.system.name'])).toBe('redis');

    const delivered = await receiver.waitFor(
      'deliver under the router span',
      (s) => childOf(routed)(s) && s.name === 'deliver',
    );
    expect(delivered.service).toBe('switchboard-edge');
    expect(delivered.kind).toBe(SpanKinds.consumer);
    expect(delivered.attributes['messaging.system']).toBe('nats');
    expect(delivered.attributes['switchboard.offset']).toBe(offset);
    publisher.close();
    member.close();
  }, 60_000);

  it('a gRPC Publish is a server span, and the router work it causes is in its trace', async () => {
    const grpc = new GrpcServerClient({ url: api!.grpcUrl, apiKey: API_KEY });
    await grpc.publish({ room: 'grpc-traced', event: 'e', data: 1 });
    await grpc.close();
    const call = await receiver.waitFor(
      'the gRPC Publish server span',
      (s) => s.service === 'switchboard-api' && s.name.endsWith('/Publish'),
    );
    expect(call.kind).toBe(SpanKinds.server);
    expect(call.attributes['rpc.system']).toBe('grpc');
    const routed = await receiver.waitFor(
      'sb.api.publish (the router) in the same trace',
      (s) => s.traceId === call.traceId && s.name === 'sb.api.publish',
    );
    expect(routed.service).toBe('switchboard-router');
  }, 60_000);

  it('HTTP requests are server spans, except probes and scrapes', async () => {
    const router = cluster.routers[0]!.httpUrl;
    await fetch(`${router}/metrics`);
    await fetch(`${router}/readyz`);
    await fetch(`${router}/no-such-page`);
    const path = (s: ReceivedSpan) => String(s.attributes['url.path'] ?? s.attributes['http.target'] ?? '');
    const page = await receiver.waitFor(
      'the HTTP server span of /no-such-page',
      (s) => path(s) === '/no-such-page',
    );
    expect(page.kind).toBe(SpanKinds.server);
    expect(page.service).toBe('switchboard-router');
    expect(receiver.spans.filter((s) => /^\/(metrics|readyz|healthz)/.test(path(s)))).toEqual([]);
  });
});
