export interface TestSocket {}
export async function openSocket(): Promise<TestSocket> {
  throw new Error('not implemented yet');
}
