// Original file: ../../proto/switchboard/v1/api.proto

import type { NodeInfo as _switchboard_v1_NodeInfo, NodeInfo__Output as _switchboard_v1_NodeInfo__Output } from '../../switchboard/v1/NodeInfo.js';

export interface InfoReply {
  'nodes'?: (_switchboard_v1_NodeInfo)[];
  /**
   * Sum over edges.
   */
  'connections'?: (number);
  /**
   * The node that answered (API nodes keep their own heartbeat table).
   */
  'answeredBy'?: (string);
}

export interface InfoReply__Output {
  'nodes': (_switchboard_v1_NodeInfo__Output)[];
  /**
   * Sum over edges.
   */
  'connections': (number);
  /**
   * The node that answered (API nodes keep their own heartbeat table).
   */
  'answeredBy': (string);
}
