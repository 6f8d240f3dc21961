// Original file: ../../proto/switchboard/v1/api.proto


export interface RoomInfo {
  'room'?: (string);
  'connections'?: (number);
  'users'?: (number);
}

export interface RoomInfo__Output {
  'room': (string);
  'connections': (number);
  'users': (number);
}
