import { type status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  errorCodeForStatus,
  grpcStatusFor,
  INTERNAL_ERROR,
  knownCodedError,
  RemoteError,
} from '@switchboard/bus';
import { ErrorCode, errorName, isTemporaryError } from '@switchboard/protocol';
import * as v from 'valibot';

/** Trailing metadata on every error: the protocol `ErrorCode` (machine-readable) and its name. */
export const ERROR_CODE_METADATA = 'sb-error-code';
export const ERROR_NAME_METADATA = 'sb-error-name';
export const RETRY_AFTER_METADATA = 'sb-retry-after-ms';

/**
 * An error of the server API, with a protocol `ErrorCode` (`code`, e.g. 1000 bad request,
 * 2002 unavailable), its name (`errorName`, e.g. `bad_request`) and, over gRPC, the status.
 * 1000–1999: do not retry unchanged; 2000–2999: retry with backoff (`temporary`).
 */
export class SwitchboardApiError extends Error {
  readonly code: number;
  readonly errorName: string;
  readonly grpcStatus: GrpcStatus;
  readonly retryAfterMs: number | undefined;
  constructor(code: number, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'SwitchboardApiError';
    this.code = code;
    this.errorName = errorName(code);
    this.grpcStatus = grpcStatusFor(code);
    this.retryAfterMs = options.retryAfterMs;
  }
  get temporary(): boolean {
    return isTemporaryError(this.code);
  }
}

/** Protocol error code ↔ gRPC status: the one mapping, shared with the bus and the edges. */
export { errorCodeForStatus, grpcStatusFor };

/** Any failure (a coded reply from a service, a bus timeout, a validation issue) as an API error. */
export function toApiError(error: unknown): SwitchboardApiError {
  if (error instanceof SwitchboardApiError) return error;
  if (error instanceof v.ValiError) return badRequest(error.issues);
  const coded = knownCodedError(error);
  if (coded === undefined)
    return new SwitchboardApiError(ErrorCode.Internal, INTERNAL_ERROR.message, { cause: error });
  return new SwitchboardApiError(coded.code, coded.message, {
    ...(coded.retryAfterMs !== undefined ? { retryAfterMs: coded.retryAfterMs } : {}),
    // A coded reply is the service's own answer; anything else keeps what happened underneath.
    ...(error instanceof RemoteError ? {} : { cause: error }),
  });
}

/** Validates `input` with one of the shared schemas; a mismatch is a `BadRequest` naming the field. */
export function validate<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const parsed = v.safeParse(schema, input);
  if (parsed.success) return parsed.output;
  throw badRequest(parsed.issues);
}

function badRequest(issues: readonly v.BaseIssue<unknown>[]): SwitchboardApiError {
  const issue = issues[0];
  const path = issue ? (v.getDotPath(issue) ?? '') : '';
  const message = issue?.message ?? 'invalid request';
  return new SwitchboardApiError(ErrorCode.BadRequest, path ? `"${path}" ${message}` : message);
}

/** An API error as a gRPC error: status, message, and the machine-readable trailing metadata. */
export function toServiceError(error: SwitchboardApiError): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA, String(error.code));
  metadata.set(ERROR_NAME_METADATA, error.errorName);
  if (error.retryAfterMs !== undefined) metadata.set(RETRY_AFTER_METADATA, String(error.retryAfterMs));
  return { code: error.grpcStatus, details: error.message, metadata };
}

/** A gRPC client error back to an API error (reads `sb-error-code` when the server set it). */
export function fromServiceError(error: unknown): SwitchboardApiError {
  if (error instanceof SwitchboardApiError) return error;
  if (!isServiceError(error)) return toApiError(error);
  const raw = error.metadata?.get(ERROR_CODE_METADATA)[0];
  const code = raw !== undefined && /^\d+$/.test(String(raw)) ? Number(raw) : errorCodeForStatus(error.code);
  const retry = error.metadata?.get(RETRY_AFTER_METADATA)[0];
  return new SwitchboardApiError(code, error.details || error.message, {
    cause: error,
    ...(retry !== undefined ? { retryAfterMs: Number(retry) } : {}),
  });
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}
