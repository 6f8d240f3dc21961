import {
  type ChannelCredentials,
  type Client,
  type CallOptions as GrpcCallOptions,
  credentials as grpcCredentials,
  Metadata,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { fromServiceError } from '@switchboard/api/errors';
import { loadProtos, SERVICE_NAME } from '@switchboard/api/proto';

export interface GrpcTransportOptions {
  /** `host:port` of the server API (default port 50051). */
  url: string;
  /** Sent as `authorization: Bearer <key>`. */
  apiKey?: string | undefined;
  /**
   * TLS: `true` for the system roots, or PEM contents — `ca` to trust a private CA, `cert` and
   * `key` for a client certificate (mTLS). Default: plain text.
   */
  tls?:
    | boolean
    | { ca?: Buffer | undefined; cert?: Buffer | undefined; key?: Buffer | undefined }
    | undefined;
  /** Per-call deadline (default 10 s). */
  timeoutMs?: number | undefined;
}

/** Unary calls to `switchboard.v1.Switchboard` and `grpc.health.v1.Health`, errors as `SwitchboardApiError`. */
export class GrpcChannel {
  readonly #api: Client;
  readonly #health: Client;
  readonly #apiService: ServiceClientConstructor['service'];
  readonly #healthService: ServiceClientConstructor['service'];
  readonly #metadata: Metadata;
  readonly #timeoutMs: number;

  constructor(options: GrpcTransportOptions) {
    const protos = loadProtos();
    const creds = channelCredentials(options.tls);
    this.#api = new protos.Switchboard(withPort(options.url), creds);
    this.#health = new protos.Health(withPort(options.url), creds);
    this.#apiService = protos.Switchboard.service;
    this.#healthService = protos.Health.service;
    this.#metadata = new Metadata();
    if (options.apiKey) this.#metadata.set('authorization', `Bearer ${options.apiKey}`);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  call<Req, Res>(method: string, request: Req, timeoutMs?: number): Promise<Res> {
    return this.#unary(this.#api, this.#apiService, `/${SERVICE_NAME}/${method}`, method, request, timeoutMs);
  }

  health(service = ''): Promise<{ status: string }> {
    return this.#unary(this.#health, this.#healthService, '/grpc.health.v1.Health/Check', 'Check', {
      service,
    });
  }

  close(): void {
    this.#api.close();
    this.#health.close();
  }

  #unary<Req, Res>(
    client: Client,
    service: ServiceClientConstructor['service'],
    path: string,
    method: string,
    request: Req,
    timeoutMs?: number,
  ): Promise<Res> {
    const definition = service[method];
    if (!definition) return Promise.reject(new Error(`unknown method ${method}`));
    const options: GrpcCallOptions = { deadline: Date.now() + (timeoutMs ?? this.#timeoutMs) };
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest<Req, Res>(
        path,
        definition.requestSerialize as (value: Req) => Buffer,
        definition.responseDeserialize as (value: Buffer) => Res,
        request,
        this.#metadata,
        options,
        (error, response) => {
          if (error) reject(fromServiceError(error));
          else resolve(response as Res);
        },
      );
    });
  }
}

function channelCredentials(tls: GrpcTransportOptions['tls']): ChannelCredentials {
  if (!tls) return grpcCredentials.createInsecure();
  if (tls === true) return grpcCredentials.createSsl();
  return grpcCredentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

function withPort(url: string): string {
  const bare = url.replace(/^(grpc|grpcs|dns):\/\//, '');
  return /:\d+$/.test(bare) ? bare : `${bare}:50051`;
}
