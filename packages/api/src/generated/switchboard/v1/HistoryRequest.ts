// Original file: ../../proto/switchboard/v1/api.proto

import type { StreamPosition as _switchboard_v1_StreamPosition, StreamPosition__Output as _switchboard_v1_StreamPosition__Output } from '../../switchboard/v1/StreamPosition.js';

export interface HistoryRequest {
  'room'?: (string);
  /**
   * Messages after this position (an epoch that no longer matches reads from the start).
   */
  'since'?: (_switchboard_v1_StreamPosition | null);
  /**
   * At most this many (default 100, capped by SB_HISTORY_SIZE).
   */
  'limit'?: (number);
  /**
   * Newest first.
   */
  'reverse'?: (boolean);
}

export interface HistoryRequest__Output {
  'room': (string);
  /**
   * Messages after this position (an epoch that no longer matches reads from the start).
   */
  'since': (_switchboard_v1_StreamPosition__Output | null);
  /**
   * At most this many (default 100, capped by SB_HISTORY_SIZE).
   */
  'limit': (number);
  /**
   * Newest first.
   */
  'reverse': (boolean);
}
