// Original file: ../../proto/switchboard/v1/api.proto


export interface UnsubscribeRequest {
  'user'?: (string);
  'room'?: (string);
}

export interface UnsubscribeRequest__Output {
  'user': (string);
  'room': (string);
}
