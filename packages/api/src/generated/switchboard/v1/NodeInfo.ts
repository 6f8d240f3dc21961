// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'node'?: (string);
  'kind'?: (string);
  'version'?: (string);
  'startedAt'?: (number | string | Long);
  /**
   * When its last heartbeat arrived, ms since the epoch.
   */
  'lastSeen'?: (number | string | Long);
  'connections'?: (number);
  'rooms'?: (number);
}

export interface NodeInfo__Output {
  'node': (string);
  'kind': (string);
  'version': (string);
  'startedAt': (number);
  /**
   * When its last heartbeat arrived, ms since the epoch.
   */
  'lastSeen': (number);
  'connections': (number);
  'rooms': (number);
}
