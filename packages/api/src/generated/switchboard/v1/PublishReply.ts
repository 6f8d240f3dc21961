// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface PublishReply {
  'offset'?: (number | string | Long);
  'epoch'?: (string);
  /**
   * True when the idempotency key was seen before: the original offset is returned.
   */
  'duplicate'?: (boolean);
}

export interface PublishReply__Output {
  'offset': (number);
  'epoch': (string);
  /**
   * True when the idempotency key was seen before: the original offset is returned.
   */
  'duplicate': (boolean);
}
