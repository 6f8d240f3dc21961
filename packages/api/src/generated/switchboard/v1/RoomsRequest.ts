// Original file: ../../proto/switchboard/v1/api.proto


export interface RoomsRequest {
  /**
   * From a previous reply's next_cursor; empty for the first page.
   */
  'cursor'?: (string);
  /**
   * Page size (default 100, at most 1000).
   */
  'limit'?: (number);
}

export interface RoomsRequest__Output {
  /**
   * From a previous reply's next_cursor; empty for the first page.
   */
  'cursor': (string);
  /**
   * Page size (default 100, at most 1000).
   */
  'limit': (number);
}
