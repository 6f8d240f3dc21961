// Original file: ../../proto/switchboard/v1/api.proto


export interface DisconnectReply {
}

export interface DisconnectReply__Output {
}
