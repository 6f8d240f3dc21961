import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/**
 * The API is defined by the `.proto` files in the repository's `proto/` directory and loaded
 * at runtime with @grpc/proto-loader; only their TypeScript types are generated (`src/generated/`,
 * `pnpm gen:proto`, with the options below). The directory is found from this file's location,
 * so the API, the server SDK and the CLI read the same files.
 */
export const API_PROTO = 'switchboard/v1/api.proto';
export const HEALTH_PROTO = 'grpc/health/v1/health.proto';
export const PROTO_DIR = findProtoDir();
export const SERVICE_NAME = 'switchboard.v1.Switchboard';

/**
 * How proto messages look in JS: lowerCamelCase fields, 64-bit integers as numbers, defaults filled
 * in. The `gen:proto` script passes the same options to proto-loader-gen-types.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface LoadedProtos {
  Switchboard: ServiceClientConstructor;
  Health: ServiceClientConstructor;
}

let loaded: LoadedProtos | undefined;

export function loadProtos(): LoadedProtos {
  if (loaded) return loaded;
  const definition = loadSync([API_PROTO, HEALTH_PROTO], { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  const root = loadPackageDefinition(definition);
  loaded = {
    Switchboard: pick(root, ['switchboard', 'v1', 'Switchboard']),
    Health: pick(root, ['grpc', 'health', 'v1', 'Health']),
  };
  return loaded;
}

function pick(root: GrpcObject, path: string[]): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`proto service ${path.join('.')} not found`);
  return node as ServiceClientConstructor;
}

function findProtoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, API_PROTO))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find proto/${API_PROTO} above ${fileURLToPath(import.meta.url)}`);
}
