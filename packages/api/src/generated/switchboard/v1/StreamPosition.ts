// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface StreamPosition {
  'offset'?: (number | string | Long);
  'epoch'?: (string);
}

export interface StreamPosition__Output {
  'offset': (number);
  'epoch': (string);
}
