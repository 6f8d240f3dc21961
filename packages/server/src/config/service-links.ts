import { isIP } from 'node:net';

/**
 * Kubernetes puts "service link" variables into every pod for every Service of its namespace
 * (unless `enableServiceLinks: false`). A Service `sb-switchboard-api` gives, among others:
 *
 *   SB_SWITCHBOARD_API_SERVICE_HOST=10.0.0.1        SB_SWITCHBOARD_API_SERVICE_PORT=50051
 *   SB_SWITCHBOARD_API_SERVICE_PORT_GRPC=50051      SB_SWITCHBOARD_API_PORT=tcp://10.0.0.1:50051
 *   SB_SWITCHBOARD_API_PORT_50051_TCP=tcp://10.0.0.1:50051
 *   SB_SWITCHBOARD_API_PORT_50051_TCP_PROTO=tcp     SB_SWITCHBOARD_API_PORT_50051_TCP_PORT=50051
 *   SB_SWITCHBOARD_API_PORT_50051_TCP_ADDR=10.0.0.1
 *
 * They share the `SB_` prefix with Switchboard's settings but are not settings. One is
 * recognised only when both its name and its value have Kubernetes' shape and its
 * `<SERVICE>_SERVICE_HOST` sibling (or, for that one, `<SERVICE>_SERVICE_PORT`) is there too,
 * so a mistyped setting (`SB_GPRC_PORT=50051`) is still reported.
 */
export function isServiceLink(name: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env[name];
  if (value === undefined) return false;

  const host = /^([A-Z0-9_]+)_SERVICE_HOST$/.exec(name);
  if (host) return isAddress(value) && isPort(env[`${host[1]}_SERVICE_PORT`]);

  const servicePort = /^([A-Z0-9_]+)_SERVICE_PORT(?:_[A-Z0-9_]+)?$/.exec(name);
  if (servicePort && isPort(value) && hasHost(servicePort[1]!, env)) return true;

  const numbered = /^([A-Z0-9_]+)_PORT_(\d+)_(TCP|UDP|SCTP)(?:_(PROTO|PORT|ADDR))?$/.exec(name);
  if (numbered) {
    const [, service, number, protocol, part] = numbered;
    if (!hasHost(service!, env)) return false;
    const proto = protocol!.toLowerCase();
    if (part === 'PROTO') return value === proto;
    if (part === 'PORT') return value === number;
    if (part === 'ADDR') return isAddress(value);
    const link = parseLink(value);
    return link !== undefined && link.protocol === proto && link.port === number;
  }

  const port = /^([A-Z0-9_]+)_PORT$/.exec(name);
  return port !== null && parseLink(value) !== undefined && hasHost(port[1]!, env);
}

/** `tcp://10.0.0.1:80`, `udp://[fd00::1]:53`. */
function parseLink(value: string): { protocol: string; port: string } | undefined {
  const m = /^(tcp|udp|sctp):\/\/(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const host = m[2] ?? m[3]!;
  return isAddress(host) && isPort(m[4]) ? { protocol: m[1]!, port: m[4]! } : undefined;
}

function hasHost(service: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const host = env[`${service}_SERVICE_HOST`];
  return host !== undefined && isAddress(host);
}

function isAddress(value: string): boolean {
  return isIP(value) !== 0;
}

function isPort(value: string | undefined): boolean {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return false;
  const n = Number(value);
  return n >= 1 && n <= 65_535;
}
