// Original file: ../../proto/switchboard/v1/api.proto


export interface SubscribeRequest {
  'user'?: (string);
  'room'?: (string);
}

export interface SubscribeRequest__Output {
  'user': (string);
  'room': (string);
}
