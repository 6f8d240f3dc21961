// Original file: ../../proto/switchboard/v1/api.proto


export interface PresenceStatsRequest {
  'room'?: (string);
}

export interface PresenceStatsRequest__Output {
  'room': (string);
}
