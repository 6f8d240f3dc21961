// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface RevokeTokenRequest {
  'jti'?: (string);
  /**
   * Remember the revocation until this time (ms since epoch): the token's own expiry.
   * 0: for SB_REVOCATION_TTL_S.
   */
  'untilMs'?: (number | string | Long);
}

export interface RevokeTokenRequest__Output {
  'jti': (string);
  /**
   * Remember the revocation until this time (ms since epoch): the token's own expiry.
   * 0: for SB_REVOCATION_TTL_S.
   */
  'untilMs': (number);
}
