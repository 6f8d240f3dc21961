import { afterEach } from 'vitest';

/**
 * For contract suites: opens implementations through `create` and closes every one after
 * each test, so a failing test cannot leak connections into the next.
 */
export function closesAfterEach<T extends { close(): Promise<void> }, A extends unknown[]>(
  create: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  const opened: T[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
  });
  return async (...args: A) => {
    const instance = await create(...args);
    opened.push(instance);
    return instance;
  };
}
