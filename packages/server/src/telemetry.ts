import { syncBuiltinESMExports } from 'node:module';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { Logger } from '@switchboard/telemetry';

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured with the standard
 * variables (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; the other
 * `OTEL_*` variables apply as usual, e.g. `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`). Without one,
 * tracing stays the API's no-op: nothing is loaded and nothing is paid. Returns the shutdown
 * function (flushes pending spans).
 *
 * Spans come from Switchboard's own instrumentation (commands, bus requests, deliveries) and from
 * the OpenTelemetry instrumentations of gRPC (the server API), HTTP and ioredis.
 */
export async function startTelemetry(serviceName: string, log: Logger): Promise<() => Promise<void>> {
  const endpoint =
    process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!endpoint || process.env['OTEL_SDK_DISABLED'] === 'true') return async () => {};
  const [{ NodeSDK }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': process.env['OTEL_SERVICE_NAME'] ?? serviceName }),
    traceExporter: new OTLPTraceExporter(),
    // The instrumentations are applied below, to the modules themselves: see instrumentLibraries.
    instrumentations: [],
  });
  sdk.start();
  const instrumentations = await instrumentLibraries();
  log.info({ endpoint }, 'OpenTelemetry tracing on');
  return async () => {
    for (const instrumentation of instrumentations) instrumentation.disable();
    await sdk.shutdown();
  };
}

/** Probes, scrapes and the NATS monitoring port are not worth a span each. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The usual way — instrumentations hooking `require` — misses modules that are already loaded
 * (the api package imports gRPC before telemetry starts), imported as ES modules, or bundled into
 * the image's single file. So each instrumentation is created disabled (no hooks) and its patch
 * is applied to the module object the application uses: the CommonJS exports behind the ES
 * import, which is the same object in every case.
 */
async function instrumentLibraries(): Promise<InstrumentationBase[]> {
  const [{ GrpcInstrumentation }, { HttpInstrumentation }, { IORedisInstrumentation }] = await Promise.all([
    import('@opentelemetry/instrumentation-grpc'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-ioredis'),
  ]);
  const [grpc, http, ioredis] = await Promise.all([
    import('@grpc/grpc-js'),
    import('node:http'),
    import('ioredis'),
  ]);
  const targets: Array<[InstrumentationBase, string, unknown]> = [
    [new GrpcInstrumentation({ enabled: false }), '@grpc/grpc-js', commonJs(grpc)],
    [
      new HttpInstrumentation({
        enabled: false,
        ignoreIncomingRequestHook: (req) => QUIET_PATHS.has((req.url ?? '/').split('?')[0] ?? '/'),
      }),
      'http',
      commonJs(http),
    ],
    [new IORedisInstrumentation({ enabled: false, requireParentSpan: true }), 'ioredis', commonJs(ioredis)],
  ];
  for (const [instrumentation, name, moduleExports] of targets) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      if (definition.name !== name) continue;
      definition.moduleExports = definition.patch?.(moduleExports) ?? moduleExports;
    }
  }
  // ES imports of `node:http` see the patched functions only after this.
  syncBuiltinESMExports();
  return targets.map(([instrumentation]) => instrumentation);
}

/** The CommonJS `module.exports` behind an ES namespace (Node and esbuild both put it in `default`). */
function commonJs(namespace: object): unknown {
  return 'default' in namespace && namespace.default ? namespace.default : namespace;
}
