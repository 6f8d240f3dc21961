import { describe, expect, it } from 'vitest';
import { compareEpochs, epochGeneration } from './epochs.js';

describe('epochs', () => {
  it('reads the generation of a generated epoch, 0 for an older-format one', () => {
    expect(epochGeneration('1795906772123456-a1B2c3D4e5F6')).toBe(1795906772123456);
    expect(epochGeneration('a1B2c3D4e5F6')).toBe(0);
    expect(epochGeneration('')).toBe(0);
  });

  it('orders epochs by generation', () => {
    expect(compareEpochs('100-abc', '100-abc')).toBe('same');
    expect(compareEpochs('100-abc', '101-abc')).toBe('newer');
    expect(compareEpochs('101-abc', '100-xyz')).toBe('older');
    // An older-format epoch never replaces a generated one...
    expect(compareEpochs('100-abc', 'legacy')).toBe('older');
    // ...but replaces another older-format one (unordered: followed as before).
    expect(compareEpochs('legacy', 'other')).toBe('newer');
    expect(compareEpochs('legacy', '5-abc')).toBe('newer');
  });
});
