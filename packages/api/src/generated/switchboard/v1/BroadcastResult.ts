// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface BroadcastResult {
  'room'?: (string);
  /**
   * Set when this room accepted the message.
   */
  'offset'?: (number | string | Long);
  'epoch'?: (string);
  'duplicate'?: (boolean);
  /**
   * Set when it did not: a protocol ErrorCode and its message.
   */
  'errorCode'?: (number);
  'errorMessage'?: (string);
}

export interface BroadcastResult__Output {
  'room': (string);
  /**
   * Set when this room accepted the message.
   */
  'offset': (number);
  'epoch': (string);
  'duplicate': (boolean);
  /**
   * Set when it did not: a protocol ErrorCode and its message.
   */
  'errorCode': (number);
  'errorMessage': (string);
}
