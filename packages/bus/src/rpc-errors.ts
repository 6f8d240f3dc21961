import { ErrorCode } from '@switchboard/protocol';
import { ClosedError, isUnavailableError, NoRespondersError, RemoteError, TimeoutError } from './errors.js';

/**
 * The one mapping of failures to coded errors: what a bus reply, a client's error frame and a
 * server API error carry for any failure, and how protocol `ErrorCode`s map to gRPC statuses.
 */

/** A coded error as it crosses a boundary (bus reply `error`, client frame `error`, API error). */
export interface CodedError {
  code: number;
  message: string;
  retryAfterMs?: number;
}

export const INTERNAL_ERROR: Readonly<CodedError> = { code: ErrorCode.Internal, message: 'internal error' };

/**
 * An expected failure as its coded error: a service's coded reply unchanged, bus and backend
 * outages as `Timeout`/`Unavailable`. `undefined` for anything else — a bug: the caller logs it
 * and answers `INTERNAL_ERROR`, never the error's own text.
 */
export function knownCodedError(error: unknown): CodedError | undefined {
  if (error instanceof RemoteError) {
    return error.retryAfterMs !== undefined
      ? { code: error.errorCode, message: error.message, retryAfterMs: error.retryAfterMs }
      : { code: error.errorCode, message: error.message };
  }
  if (error instanceof TimeoutError) {
    return { code: ErrorCode.Timeout, message: 'a service did not answer in time; retry later' };
  }
  if (error instanceof NoRespondersError || error instanceof ClosedError || isUnavailableError(error)) {
    return { code: ErrorCode.Unavailable, message: 'a service is unavailable; retry later' };
  }
  return undefined;
}

/** gRPC status codes (the numbers of `@grpc/grpc-js`'s `status`, fixed by the gRPC spec). */
export const GrpcStatusCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const statusByCode: ReadonlyMap<number, number> = new Map<number, number>([
  [ErrorCode.BadRequest, GrpcStatusCode.INVALID_ARGUMENT],
  [ErrorCode.UnknownOp, GrpcStatusCode.INVALID_ARGUMENT],
  [ErrorCode.TooLarge, GrpcStatusCode.INVALID_ARGUMENT],
  [ErrorCode.AlreadyJoined, GrpcStatusCode.INVALID_ARGUMENT],
  [ErrorCode.NotAuthenticated, GrpcStatusCode.UNAUTHENTICATED],
  [ErrorCode.TokenInvalid, GrpcStatusCode.UNAUTHENTICATED],
  [ErrorCode.TokenExpired, GrpcStatusCode.UNAUTHENTICATED],
  [ErrorCode.TokenNotYetValid, GrpcStatusCode.UNAUTHENTICATED],
  [ErrorCode.TokenRevoked, GrpcStatusCode.UNAUTHENTICATED],
  [ErrorCode.TokenUserMismatch, GrpcStatusCode.UNAUTHENTICATED],
  [ErrorCode.Forbidden, GrpcStatusCode.PERMISSION_DENIED],
  [ErrorCode.NotJoined, GrpcStatusCode.NOT_FOUND],
  [ErrorCode.TooManyRooms, GrpcStatusCode.RESOURCE_EXHAUSTED],
  [ErrorCode.RateLimited, GrpcStatusCode.RESOURCE_EXHAUSTED],
  [ErrorCode.Timeout, GrpcStatusCode.DEADLINE_EXCEEDED],
  [ErrorCode.Unavailable, GrpcStatusCode.UNAVAILABLE],
]);

/** For errors that carry no `sb-error-code` (transport failures): the status decides. */
const codeByStatus: ReadonlyMap<number, number> = new Map<number, number>([
  [GrpcStatusCode.INVALID_ARGUMENT, ErrorCode.BadRequest],
  [GrpcStatusCode.OUT_OF_RANGE, ErrorCode.BadRequest],
  [GrpcStatusCode.FAILED_PRECONDITION, ErrorCode.BadRequest],
  [GrpcStatusCode.UNIMPLEMENTED, ErrorCode.UnknownOp],
  [GrpcStatusCode.UNAUTHENTICATED, ErrorCode.NotAuthenticated],
  [GrpcStatusCode.PERMISSION_DENIED, ErrorCode.Forbidden],
  [GrpcStatusCode.NOT_FOUND, ErrorCode.NotJoined],
  [GrpcStatusCode.RESOURCE_EXHAUSTED, ErrorCode.RateLimited],
  [GrpcStatusCode.DEADLINE_EXCEEDED, ErrorCode.Timeout],
  [GrpcStatusCode.UNAVAILABLE, ErrorCode.Unavailable],
  [GrpcStatusCode.CANCELLED, ErrorCode.Unavailable],
]);

/** Protocol error code → gRPC status (`INTERNAL` for codes without a closer match). */
export function grpcStatusFor(code: number): number {
  return statusByCode.get(code) ?? GrpcStatusCode.INTERNAL;
}

/** gRPC status → protocol error code (`Internal` for statuses without a closer match). */
export function errorCodeForStatus(status: number): number {
  return codeByStatus.get(status) ?? ErrorCode.Internal;
}
