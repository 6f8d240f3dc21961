import { describe, expect, it } from 'vitest';
import { isUnavailableError } from './errors.js';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('isUnavailableError', () => {
  it('counts a Redis failover in progress as unavailable (retry), not as a bug', () => {
    for (const message of [
      "Cluster isn't ready and enableOfflineQueue options is false",
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'Failed to refresh slots cache.',
      'All sentinels are unreachable. Retrying from scratch after 200ms.',
      "READONLY You can't write against a read only replica.",
      'LOADING Redis is loading the dataset in memory',
    ]) {
      expect(isUnavailableError(new Error(message)), message).toBe(true);
    }
    expect(
      isUnavailableError(named('ReplicationError', 'history append reached 0 of 1 Redis replicas')),
    ).toBe(true);
    expect(isUnavailableError(named('ClusterAllFailedError', 'Failed to refresh slots cache.'))).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(
      isUnavailableError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBe(false);
    expect(isUnavailableError('CLUSTERDOWN')).toBe(false);
  });
});
