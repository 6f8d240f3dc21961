/**
 * Where the CLI finds the server when no flag says: `SWITCHBOARD_GRPC`/`SWITCHBOARD_URL` first,
 * then the server's own settings (`SB_GRPC_HOST`/`SB_GRPC_PORT`, `SB_WS_HOST`/`SB_WS_PORT`), so a
 * shell that started the server on other ports talks to it without extra flags.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_GRPC_PORT = 50_051;
export const DEFAULT_WS_PORT = 8080;

/** The gRPC server API's `host:port`. */
export function grpcTarget(env: Env): string {
  const explicit = value(env, 'SWITCHBOARD_GRPC');
  if (explicit) return explicit;
  return `${dialHost(value(env, 'SB_GRPC_HOST'))}:${value(env, 'SB_GRPC_PORT') ?? DEFAULT_GRPC_PORT}`;
}

/** The WebSocket URL of an edge. */
export function wsUrl(env: Env): string {
  const explicit = value(env, 'SWITCHBOARD_URL');
  if (explicit) return explicit;
  return `ws://${dialHost(value(env, 'SB_WS_HOST'))}:${value(env, 'SB_WS_PORT') ?? DEFAULT_WS_PORT}`;
}

/** A listen address as something to dial: "all interfaces" means this machine. */
function dialHost(listenHost: string | undefined): string {
  if (!listenHost || listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '[::]') {
    return 'localhost';
  }
  return listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}
