/**
 * Generates deploy/grafana/switchboard-dashboard.json: `tsx scripts/grafana-dashboard.ts --write`
 * (without --write it prints the JSON). The dashboard selects series only through template
 * variables built from `switchboard_build_info` (job, instance) plus Grafana ad-hoc filters, so it
 * works on a plain Prometheus scrape config and with the Prometheus Operator alike: no
 * `namespace` or `service` label is assumed. Metrics: docs/metrics.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_FILE = fileURLToPath(
  new URL(join('..', 'deploy', 'grafana', 'switchboard-dashboard.json'), import.meta.url),
);

/** Grafana's own variable syntax, not a JavaScript template. */
const DS = { type: 'prometheus', uid: '$' + '{datasource}' };
/** Every query's selector: the variables, never a hard-coded label. */
const SEL = 'job=~"$job", instance=~"$instance"';
const RATE = '$__rate_interval';

interface Target {
  expr: string;
  legend: string;
}
interface PanelSpec {
  title: string;
  description: string;
  type?: 'timeseries' | 'stat' | 'table';
  unit?: string;
  width?: number;
  targets: Target[];
}

const t = (expr: string, legend: string): Target => ({ expr, legend });
const rate = (metric: string, by: string, extra = '') =>
  `sum by (${by}) (rate(${metric}{${SEL}${extra}}[${RATE}]))`;
const quantile = (q: number, metric: string, by = '', extra = '') =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket{${SEL}${extra}}[${RATE}])))`;
/** A process metric per role: joined with build_info, which carries the role. */
const perRole = (expr: string) =>
  `${expr} * on (job, instance) group_left (role) max by (job, instance, role) (switchboard_build_info{${SEL}})`;

const ROWS: Array<{ title: string; panels: PanelSpec[] }> = [
  {
    title: 'Cluster and readiness',
    panels: [
      {
        title: 'Ready processes by role',
        description: 'switchboard_ready (1 when /readyz answers 200), per role from switchboard_build_info',
        type: 'stat',
        targets: [t(`sum by (role) (${perRole(`switchboard_ready{${SEL}}`)})`, '{{role}}')],
      },
      {
        title: 'Unready processes',
        description: 'Processes whose /readyz answers 503 (the body says why)',
        type: 'stat',
        targets: [t(`count(switchboard_ready{${SEL}} == 0) or vector(0)`, 'unready')],
      },
      {
        title: 'Builds',
        description: 'switchboard_build_info: version, revision and Node.js version per role',
        type: 'table',
        width: 12,
        targets: [t(`count by (role, version, revision, node_version) (switchboard_build_info{${SEL}})`, '')],
      },
    ],
  },
  {
    title: 'Edge',
    panels: [
      {
        title: 'Open WebSockets by edge',
        description: 'switchboard_edge_connections (the autoscaling metric), and each edge limit',
        targets: [
          t(`sum by (instance) (switchboard_edge_connections{${SEL}})`, '{{instance}}'),
          t(`max(switchboard_edge_connection_limit{${SEL}})`, 'limit (SB_MAX_CONNECTIONS)'),
        ],
      },
      {
        title: 'Rooms with local members',
        description: 'switchboard_edge_rooms summed over the edges',
        targets: [t(`sum(switchboard_edge_rooms{${SEL}})`, 'rooms')],
      },
      {
        title: 'Upgrades by result',
        description: 'accepted, or rejected_<why> (rejected_full: at SB_MAX_CONNECTIONS)',
        unit: 'ops',
        targets: [t(rate('switchboard_edge_upgrades_total', 'result'), '{{result}}')],
      },
      {
        title: 'Disconnects by reason',
        description: 'shutdown = drains; slow_consumer = outbound buffer full',
        unit: 'ops',
        targets: [t(rate('switchboard_edge_disconnects_total', 'reason'), '{{reason}}')],
      },
      {
        title: 'Authentication failures by reason',
        description: 'Connects refused by the token check',
        unit: 'ops',
        targets: [t(rate('switchboard_edge_auth_failures_total', 'reason'), '{{reason}}')],
      },
      {
        title: 'Delivery latency',
        description: 'Router accepted → written to the last local member (the SLO: 99% within 250 ms)',
        unit: 's',
        targets: [0.5, 0.95, 0.99].map((q) =>
          t(quantile(q, 'switchboard_delivery_latency_seconds'), `p${q * 100}`),
        ),
      },
      {
        title: 'Command duration p95 by op',
        description: 'Command frame → reply',
        unit: 's',
        targets: [t(quantile(0.95, 'switchboard_edge_command_duration_seconds', 'op'), '{{op}}')],
      },
      {
        title: 'Frames in by op / out by kind',
        description: 'switchboard_edge_frames_in_total and switchboard_edge_frames_out_total',
        unit: 'ops',
        targets: [
          t(rate('switchboard_edge_frames_in_total', 'op'), 'in {{op}}'),
          t(rate('switchboard_edge_frames_out_total', 'kind'), 'out {{kind}}'),
        ],
      },
      {
        title: 'Bytes in / out',
        description: 'Text frames received; bytes written (headers included)',
        unit: 'Bps',
        targets: [
          t(`sum(rate(switchboard_edge_received_bytes_total{${SEL}}[${RATE}]))`, 'in'),
          t(`sum(rate(switchboard_edge_sent_bytes_total{${SEL}}[${RATE}]))`, 'out'),
        ],
      },
      {
        title: 'Error replies by code',
        description: 'switchboard_edge_command_errors_total',
        unit: 'ops',
        targets: [t(rate('switchboard_edge_command_errors_total', 'code'), '{{code}}')],
      },
      {
        title: 'Outbound buffer per connection',
        description: 'Unsent bytes per connection, sampled at each heartbeat sweep (p50, p99)',
        unit: 'bytes',
        targets: [0.5, 0.99].map((q) =>
          t(quantile(q, 'switchboard_edge_outbound_buffer_bytes'), `p${q * 100}`),
        ),
      },
      {
        title: 'Slow-consumer closes',
        description: 'Connections closed with 4002: outbound buffer past SB_OUTBOUND_MAX_BYTES',
        unit: 'ops',
        targets: [t(rate('switchboard_edge_slow_consumer_closes_total', 'instance'), '{{instance}}')],
      },
    ],
  },
  {
    title: 'Auth',
    panels: [
      {
        title: 'Token verifications by result',
        description: 'ok, or why not (token_invalid, token_expired, token_revoked, …)',
        unit: 'ops',
        targets: [t(rate('switchboard_auth_verifications_total', 'result'), '{{result}}')],
      },
      {
        title: 'Verification latency p95',
        description: 'switchboard_rpc_duration_seconds of sb.auth.verify',
        unit: 's',
        targets: [
          t(
            quantile(0.95, 'switchboard_rpc_duration_seconds', 'subject', ', subject=~"sb.auth.*"'),
            '{{subject}}',
          ),
        ],
      },
    ],
  },
  {
    title: 'Router',
    panels: [
      {
        title: 'Requests by subject and result',
        description: 'switchboard_rpc_requests_total of sb.router.*',
        unit: 'ops',
        targets: [
          t(
            rate('switchboard_rpc_requests_total', 'subject, result', ', subject=~"sb.router.*"'),
            '{{subject}} {{result}}',
          ),
        ],
      },
      {
        title: 'Request latency p95 by subject',
        description: 'switchboard_rpc_duration_seconds of sb.router.*',
        unit: 's',
        targets: [
          t(
            quantile(0.95, 'switchboard_rpc_duration_seconds', 'subject', ', subject=~"sb.router.*"'),
            '{{subject}}',
          ),
        ],
      },
      {
        title: 'History appends and trims',
        description:
          'stored / duplicate (idempotency key seen), and appends that pushed out the oldest entry',
        unit: 'ops',
        targets: [
          t(rate('switchboard_router_history_appends_total', 'result'), '{{result}}'),
          t(`sum(rate(switchboard_router_history_trims_total{${SEL}}[${RATE}]))`, 'trimmed'),
        ],
      },
      {
        title: 'Recovery outcomes',
        description: 'Rejoins with a position: recovered, or unrecovered by reason (epoch, trimmed, ahead)',
        unit: 'ops',
        targets: [
          t(rate('switchboard_router_recoveries_total', 'outcome, reason'), '{{outcome}} {{reason}}'),
        ],
      },
    ],
  },
  {
    title: 'Presence',
    panels: [
      {
        title: 'Entry changes',
        description: 'added, left, expired (swept: an edge stopped refreshing)',
        unit: 'ops',
        targets: [t(rate('switchboard_presence_entry_changes_total', 'change'), '{{change}}')],
      },
      {
        title: 'Sweeps by result',
        description: 'switchboard_presence_sweeps_total',
        unit: 'ops',
        targets: [t(rate('switchboard_presence_sweeps_total', 'result'), '{{result}}')],
      },
      {
        title: 'Requests by subject and result',
        description: 'switchboard_rpc_requests_total of sb.presence.*',
        unit: 'ops',
        targets: [
          t(
            rate('switchboard_rpc_requests_total', 'subject, result', ', subject=~"sb.presence.*"'),
            '{{subject}} {{result}}',
          ),
        ],
      },
    ],
  },
  {
    title: 'Server API (gRPC)',
    panels: [
      {
        title: 'Calls by method and result',
        description: 'switchboard_api_requests_total',
        unit: 'ops',
        targets: [t(rate('switchboard_api_requests_total', 'method, result'), '{{method}} {{result}}')],
      },
      {
        title: 'Call latency p95 by method',
        description: 'switchboard_api_request_duration_seconds',
        unit: 's',
        targets: [t(quantile(0.95, 'switchboard_api_request_duration_seconds', 'method'), '{{method}}')],
      },
    ],
  },
  {
    title: 'NATS and Redis',
    panels: [
      {
        title: 'NATS connections down',
        description: 'Service clients whose NATS connection is down (switchboard_nats_connected == 0)',
        targets: [
          t(`count by (client) (switchboard_nats_connected{${SEL}} == 0) or vector(0)`, '{{client}}'),
        ],
      },
      {
        title: 'NATS disconnects',
        description: 'switchboard_nats_disconnects_total by client',
        unit: 'ops',
        targets: [t(rate('switchboard_nats_disconnects_total', 'client'), '{{client}}')],
      },
      {
        title: 'Redis connected',
        description: 'switchboard_redis_connected per process (auth, router, presence)',
        targets: [t(`min by (instance) (switchboard_redis_connected{${SEL}})`, '{{instance}}')],
      },
      {
        title: 'Redis errors and reconnects',
        description: 'switchboard_redis_errors_total, switchboard_redis_reconnects_total',
        unit: 'ops',
        targets: [
          t(`sum(rate(switchboard_redis_errors_total{${SEL}}[${RATE}]))`, 'errors'),
          t(`sum(rate(switchboard_redis_reconnects_total{${SEL}}[${RATE}]))`, 'reconnects'),
        ],
      },
    ],
  },
  {
    title: 'Processes',
    panels: [
      {
        title: 'CPU by process',
        description: 'process_cpu_seconds_total',
        unit: 'percentunit',
        targets: [
          t(
            perRole(`sum by (job, instance) (rate(process_cpu_seconds_total{${SEL}}[${RATE}]))`),
            '{{role}} {{instance}}',
          ),
        ],
      },
      {
        title: 'Resident memory by process',
        description: 'process_resident_memory_bytes',
        unit: 'bytes',
        targets: [
          t(
            perRole(`sum by (job, instance) (process_resident_memory_bytes{${SEL}})`),
            '{{role}} {{instance}}',
          ),
        ],
      },
      {
        title: 'Event loop lag p99 by process',
        description: 'nodejs_eventloop_lag_p99_seconds',
        unit: 's',
        targets: [
          t(
            perRole(`max by (job, instance) (nodejs_eventloop_lag_p99_seconds{${SEL}})`),
            '{{role}} {{instance}}',
          ),
        ],
      },
    ],
  },
];

function queryVariable(name: string, label: string, query: string) {
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: name },
    definition: query,
    refresh: 2,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    hide: 0,
    sort: 1,
  };
}

export function dashboard() {
  const panels: object[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { w: 24, h: 1, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const p of row.panels) {
      const type = p.type ?? 'timeseries';
      const w = p.width ?? (type === 'stat' ? 6 : 8);
      if (x + w > 24) {
        x = 0;
        y += 8;
      }
      panels.push({
        id: id++,
        type,
        title: p.title,
        description: p.description,
        datasource: DS,
        targets: p.targets.map((target, i) => ({
          refId: String.fromCharCode(65 + i),
          datasource: DS,
          expr: target.expr,
          legendFormat: target.legend,
          ...(type === 'table' ? { format: 'table', instant: true } : { range: true }),
        })),
        fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
        gridPos: { w, h: 8, x, y },
        options:
          type === 'stat'
            ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value', graphMode: 'area' }
            : type === 'table'
              ? { showHeader: true }
              : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      });
      x += w;
    }
    y += 8;
  }
  return {
    title: 'Switchboard',
    uid: 'switchboard-overview',
    description:
      'Switchboard by role: edge, auth, router, presence, server API, NATS and Redis links, readiness, processes. ' +
      'Works on any Prometheus that scrapes /metrics: the variables come from switchboard_build_info; ' +
      'add label filters (namespace, cluster, …) with the Filters variable. Metrics: docs/metrics.md.',
    tags: ['switchboard', 'websocket'],
    timezone: '',
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 2,
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
        },
        { name: 'filters', label: 'Filters', type: 'adhoc', datasource: DS, hide: 0 },
        queryVariable('job', 'Job', 'label_values(switchboard_build_info, job)'),
        queryVariable('instance', 'Instance', 'label_values(switchboard_build_info{job=~"$job"}, instance)'),
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

export function dashboardJson(): string {
  return `${JSON.stringify(dashboard(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) writeFileSync(DASHBOARD_FILE, dashboardJson());
  else process.stdout.write(dashboardJson());
}
