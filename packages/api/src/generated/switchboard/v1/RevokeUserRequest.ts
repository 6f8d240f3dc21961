// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface RevokeUserRequest {
  'user'?: (string);
  /**
   * Tokens issued before this time (ms since epoch) are revoked. 0: now.
   */
  'issuedBeforeMs'?: (number | string | Long);
}

export interface RevokeUserRequest__Output {
  'user': (string);
  /**
   * Tokens issued before this time (ms since epoch) are revoked. 0: now.
   */
  'issuedBeforeMs': (number);
}
