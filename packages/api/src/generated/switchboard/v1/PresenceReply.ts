// Original file: ../../proto/switchboard/v1/api.proto

import type { Member as _switchboard_v1_Member, Member__Output as _switchboard_v1_Member__Output } from '../../switchboard/v1/Member.js';

export interface PresenceReply {
  'members'?: (_switchboard_v1_Member)[];
}

export interface PresenceReply__Output {
  'members': (_switchboard_v1_Member__Output)[];
}
