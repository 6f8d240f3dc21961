import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ClosedError, NoRespondersError, RemoteError, TimeoutError } from '@switchboard/bus';
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

/** Protocol error code → gRPC status. */
export function grpcStatusFor(code: number): GrpcStatus {
  switch (code) {
    case ErrorCode.BadRequest:
    case ErrorCode.UnknownOp:
    case ErrorCode.TooLarge:
    case ErrorCode.AlreadyJoined:
      return GrpcStatus.INVALID_ARGUMENT;
    case ErrorCode.NotAuthenticated:
    case ErrorCode.TokenInvalid:
    case ErrorCode.TokenExpired:
    case ErrorCode.TokenNotYetValid:
    case ErrorCode.TokenRevoked:
    case ErrorCode.TokenUserMismatch:
      return GrpcStatus.UNAUTHENTICATED;
    case ErrorCode.Forbidden:
      return GrpcStatus.PERMISSION_DENIED;
    case ErrorCode.NotJoined:
      return GrpcStatus.NOT_FOUND;
    case ErrorCode.TooManyRooms:
    case ErrorCode.RateLimited:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case ErrorCode.Timeout:
      return GrpcStatus.DEADLINE_EXCEEDED;
    case ErrorCode.Unavailable:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.INTERNAL;
  }
}

/** gRPC status → protocol error code, for errors that carry no `sb-error-code` (transport failures). */
export function errorCodeForStatus(status: GrpcStatus): number {
  switch (status) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
    case GrpcStatus.FAILED_PRECONDITION:
      return ErrorCode.BadRequest;
    case GrpcStatus.UNIMPLEMENTED:
      return ErrorCode.UnknownOp;
    case GrpcStatus.UNAUTHENTICATED:
      return ErrorCode.NotAuthenticated;
    case GrpcStatus.PERMISSION_DENIED:
      return ErrorCode.Forbidden;
    case GrpcStatus.NOT_FOUND:
      return ErrorCode.NotJoined;
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return ErrorCode.RateLimited;
    case GrpcStatus.DEADLINE_EXCEEDED:
      return ErrorCode.Timeout;
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.CANCELLED:
      return ErrorCode.Unavailable;
    default:
      return ErrorCode.Internal;
  }
}

/** Any failure (a coded reply from a service, a bus timeout, a validation issue) as an API error. */
export function toApiError(error: unknown): SwitchboardApiError {
  if (error instanceof SwitchboardApiError) return error;
  if (error instanceof RemoteError) {
    return new SwitchboardApiError(error.errorCode, error.message, {
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    });
  }
  if (error instanceof TimeoutError) {
    return new SwitchboardApiError(ErrorCode.Timeout, 'a service did not answer in time; retry later', {
      cause: error,
    });
  }
  if (error instanceof NoRespondersError || error instanceof ClosedError) {
    return new SwitchboardApiError(ErrorCode.Unavailable, 'a service is unavailable; retry later', {
      cause: error,
    });
  }
  if (error instanceof v.ValiError) return badRequest(error.issues);
  return new SwitchboardApiError(ErrorCode.Internal, 'internal error', { cause: error });
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
