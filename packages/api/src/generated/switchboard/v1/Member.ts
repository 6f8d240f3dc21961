// Original file: ../../proto/switchboard/v1/api.proto


export interface Member {
  'user'?: (string);
  'conn'?: (string);
  /**
   * Public metadata from the member's token, as JSON text (empty when none).
   */
  'metaJson'?: (string);
}

export interface Member__Output {
  'user': (string);
  'conn': (string);
  /**
   * Public metadata from the member's token, as JSON text (empty when none).
   */
  'metaJson': (string);
}
