import type { Logger } from '@switchboard/telemetry';

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured with the standard
 * variables (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; the other
 * `OTEL_*` variables apply as usual). Without one, tracing stays the API's no-op: nothing is
 * loaded and nothing is paid. Returns the shutdown function (flushes pending spans).
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
    // Spans come from Switchboard's own instrumentation (commands, bus requests, deliveries).
    instrumentations: [],
  });
  sdk.start();
  log.info({ endpoint }, 'OpenTelemetry tracing on');
  return () => sdk.shutdown();
}
