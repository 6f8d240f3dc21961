// Original file: ../../proto/switchboard/v1/api.proto


export interface SubscribeReply {
}

export interface SubscribeReply__Output {
}
