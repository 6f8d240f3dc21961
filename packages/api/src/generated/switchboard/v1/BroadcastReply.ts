// Original file: ../../proto/switchboard/v1/api.proto

import type { BroadcastResult as _switchboard_v1_BroadcastResult, BroadcastResult__Output as _switchboard_v1_BroadcastResult__Output } from '../../switchboard/v1/BroadcastResult.js';

export interface BroadcastReply {
  'results'?: (_switchboard_v1_BroadcastResult)[];
}

export interface BroadcastReply__Output {
  'results': (_switchboard_v1_BroadcastResult__Output)[];
}
