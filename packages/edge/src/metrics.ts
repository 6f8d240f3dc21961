import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Everything the edge exports to Prometheus. Label values are bounded sets (ops, reasons, codes). */
export class EdgeMetrics {
  /** Open WebSocket connections: the HPA scales the edge on this. */
  readonly connections: Gauge;
  /** SB_MAX_CONNECTIONS, so an alert can compare `connections` with it. */
  readonly connectionLimit: Gauge;
  readonly upgrades: Counter<'result'>;
  readonly disconnects: Counter<'reason'>;
  readonly authFailures: Counter<'reason'>;
  readonly framesIn: Counter<'op'>;
  readonly framesOut: Counter<'kind'>;
  readonly errors: Counter<'code'>;
  readonly commandDuration: Histogram<'op'>;
  readonly deliveryLatency: Histogram;
  readonly rooms: Gauge;
  readonly staleDeliveries: Counter;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;
  readonly slowConsumerCloses: Counter;
  readonly outboundBufferBytes: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.connections = new Gauge({
      name: 'switchboard_edge_connections',
      help: 'Open WebSocket connections on this edge',
      registers,
    });
    this.connectionLimit = new Gauge({
      name: 'switchboard_edge_connection_limit',
      help: 'Connections this edge accepts at most (SB_MAX_CONNECTIONS)',
      registers,
    });
    this.upgrades = new Counter({
      name: 'switchboard_edge_upgrades_total',
      help: 'WebSocket upgrade requests by result',
      labelNames: ['result'],
      registers,
    });
    this.disconnects = new Counter({
      name: 'switchboard_edge_disconnects_total',
      help: 'Closed connections by reason',
      labelNames: ['reason'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'switchboard_edge_auth_failures_total',
      help: 'Rejected authentications by reason',
      labelNames: ['reason'],
      registers,
    });
    this.framesIn = new Counter({
      name: 'switchboard_edge_frames_in_total',
      help: 'Frames received from clients by op (invalid = failed validation)',
      labelNames: ['op'],
      registers,
    });
    this.framesOut = new Counter({
      name: 'switchboard_edge_frames_out_total',
      help: 'Frames written to clients by kind',
      labelNames: ['kind'],
      registers,
    });
    this.errors = new Counter({
      name: 'switchboard_edge_command_errors_total',
      help: 'Error replies sent to clients by error code',
      labelNames: ['code'],
      registers,
    });
    this.commandDuration = new Histogram({
      name: 'switchboard_edge_command_duration_seconds',
      help: 'Time from a command frame to its reply, by op',
      labelNames: ['op'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'switchboard_delivery_latency_seconds',
      help: 'Time from a message being accepted by the router to the edge writing it to its last local member',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.rooms = new Gauge({
      name: 'switchboard_edge_rooms',
      help: 'Rooms with at least one member on this edge (one bus subscription each)',
      registers,
    });
    this.staleDeliveries = new Counter({
      name: 'switchboard_edge_stale_epoch_deliveries_total',
      help: 'Room deliveries dropped because they belong to an epoch older than the room is on',
      registers,
    });
    this.bytesIn = new Counter({
      name: 'switchboard_edge_received_bytes_total',
      help: 'Payload bytes of text frames received from clients',
      registers,
    });
    this.bytesOut = new Counter({
      name: 'switchboard_edge_sent_bytes_total',
      help: 'Bytes of WebSocket frames written to clients (headers included)',
      registers,
    });
    this.slowConsumerCloses = new Counter({
      name: 'switchboard_edge_slow_consumer_closes_total',
      help: 'Connections closed because their outbound buffer passed SB_OUTBOUND_MAX_BYTES',
      registers,
    });
    this.outboundBufferBytes = new Histogram({
      name: 'switchboard_edge_outbound_buffer_bytes',
      help: "Each open connection's unsent bytes, sampled at every heartbeat sweep",
      buckets: [0, 1024, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216],
      registers,
    });
  }
}
