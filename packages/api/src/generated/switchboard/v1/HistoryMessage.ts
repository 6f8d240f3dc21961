// Original file: ../../proto/switchboard/v1/api.proto

import type { Long } from '@grpc/proto-loader';

export interface HistoryMessage {
  'offset'?: (number | string | Long);
  'event'?: (string);
  'dataJson'?: (string);
  'fromUser'?: (string);
  'fromConn'?: (string);
  /**
   * Server time the message was accepted, ms since the epoch.
   */
  'ts'?: (number | string | Long);
}

export interface HistoryMessage__Output {
  'offset': (number);
  'event': (string);
  'dataJson': (string);
  'fromUser': (string);
  'fromConn': (string);
  /**
   * Server time the message was accepted, ms since the epoch.
   */
  'ts': (number);
}
