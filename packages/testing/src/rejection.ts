/**
 * What `promise` rejects with, when that is an instance of `type` (for tests that check an
 * error's fields). A promise that resolves, or rejects with anything else, fails the test.
 */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
