// Original file: ../../proto/switchboard/v1/api.proto

import type { HistoryMessage as _switchboard_v1_HistoryMessage, HistoryMessage__Output as _switchboard_v1_HistoryMessage__Output } from '../../switchboard/v1/HistoryMessage.js';
import type { Long } from '@grpc/proto-loader';

export interface HistoryReply {
  /**
   * The room's current position.
   */
  'offset'?: (number | string | Long);
  'epoch'?: (string);
  'messages'?: (_switchboard_v1_HistoryMessage)[];
}

export interface HistoryReply__Output {
  /**
   * The room's current position.
   */
  'offset': (number);
  'epoch': (string);
  'messages': (_switchboard_v1_HistoryMessage__Output)[];
}
