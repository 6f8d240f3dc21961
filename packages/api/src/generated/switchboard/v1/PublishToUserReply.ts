// Original file: ../../proto/switchboard/v1/api.proto


export interface PublishToUserReply {
}

export interface PublishToUserReply__Output {
}
