import { ConfigError } from '@switchboard/bus';
import { expect } from 'vitest';

/** The problems of the `ConfigError` that `load` must throw (the test fails on anything else). */
export function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
