// Original file: ../../proto/switchboard/v1/api.proto


export interface PresenceStatsReply {
  'connections'?: (number);
  'users'?: (number);
}

export interface PresenceStatsReply__Output {
  'connections': (number);
  'users': (number);
}
