// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface RevokeUserReply {
  'issuedBeforeMs'?: (number | string | Long);
}

export interface RevokeUserReply__Output {
  'issuedBeforeMs': (number);
}
