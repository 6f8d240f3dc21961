// Original file: ../../proto/switchboard/v1/api.proto


export interface DisconnectRequest {
  /**
   * Every connection of this user …
   */
  'user'?: (string);
  /**
   * … or this one connection (its id, as presence shows it). One of the two is required.
   */
  'conn'?: (string);
  /**
   * WebSocket close code 4000–4999 (default 4503 kicked; 4500–4999 tell clients not to reconnect).
   */
  'code'?: (number);
  'reason'?: (string);
}

export interface DisconnectRequest__Output {
  /**
   * Every connection of this user …
   */
  'user': (string);
  /**
   * … or this one connection (its id, as presence shows it). One of the two is required.
   */
  'conn': (string);
  /**
   * WebSocket close code 4000–4999 (default 4503 kicked; 4500–4999 tell clients not to reconnect).
   */
  'code': (number);
  'reason': (string);
}
