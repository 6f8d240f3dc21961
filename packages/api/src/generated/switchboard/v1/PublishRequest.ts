// Original file: ../../proto/switchboard/v1/api.proto


export interface PublishRequest {
  'room'?: (string);
  'event'?: (string);
  /**
   * The message's data as JSON text (any JSON value; empty means null).
   */
  'dataJson'?: (string);
  /**
   * Idempotency key: a retry with the same key (within SB_IDEMPOTENCY_TTL_MS) is not published twice.
   */
  'idempotencyKey'?: (string);
  /**
   * Sender shown to members as `from.user` (default `@server`).
   */
  'from'?: (string);
}

export interface PublishRequest__Output {
  'room': (string);
  'event': (string);
  /**
   * The message's data as JSON text (any JSON value; empty means null).
   */
  'dataJson': (string);
  /**
   * Idempotency key: a retry with the same key (within SB_IDEMPOTENCY_TTL_MS) is not published twice.
   */
  'idempotencyKey': (string);
  /**
   * Sender shown to members as `from.user` (default `@server`).
   */
  'from': (string);
}
