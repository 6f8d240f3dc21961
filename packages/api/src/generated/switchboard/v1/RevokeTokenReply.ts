// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface RevokeTokenReply {
  'untilMs'?: (number | string | Long);
}

export interface RevokeTokenReply__Output {
  'untilMs': (number);
}
