// Original file: ../../proto/switchboard/v1/api.proto


export interface BroadcastRequest {
  'rooms'?: (string)[];
  'event'?: (string);
  'dataJson'?: (string);
  /**
   * Applied per room (the same key in two rooms are two messages).
   */
  'idempotencyKey'?: (string);
  'from'?: (string);
}

export interface BroadcastRequest__Output {
  'rooms': (string)[];
  'event': (string);
  'dataJson': (string);
  /**
   * Applied per room (the same key in two rooms are two messages).
   */
  'idempotencyKey': (string);
  'from': (string);
}
