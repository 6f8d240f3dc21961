// Original file: ../../proto/switchboard/v1/api.proto

import type { RoomInfo as _switchboard_v1_RoomInfo, RoomInfo__Output as _switchboard_v1_RoomInfo__Output } from '../../switchboard/v1/RoomInfo.js';

export interface RoomsReply {
  'rooms'?: (_switchboard_v1_RoomInfo)[];
  /**
   * Empty on the last page.
   */
  'nextCursor'?: (string);
}

export interface RoomsReply__Output {
  'rooms': (_switchboard_v1_RoomInfo__Output)[];
  /**
   * Empty on the last page.
   */
  'nextCursor': (string);
}
