// Original file: ../../proto/switchboard/v1/api.proto


export interface PresenceRequest {
  'room'?: (string);
}

export interface PresenceRequest__Output {
  'room': (string);
}
