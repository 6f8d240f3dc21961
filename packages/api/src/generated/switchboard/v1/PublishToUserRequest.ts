// Original file: ../../proto/switchboard/v1/api.proto


export interface PublishToUserRequest {
  'user'?: (string);
  'event'?: (string);
  'dataJson'?: (string);
}

export interface PublishToUserRequest__Output {
  'user': (string);
  'event': (string);
  'dataJson': (string);
}
