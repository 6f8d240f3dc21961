// Original file: ../../proto/switchboard/v1/api.proto


export interface UnsubscribeReply {
}

export interface UnsubscribeReply__Output {
}
