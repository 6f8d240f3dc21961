import type { RoomsPage } from '@switchboard/api/schemas';
import type { CallOptions, ServerApi } from './client.js';

/** Every room with members, following the `rooms` cursor page by page. */
export async function* pages(
  api: Pick<ServerApi, 'rooms'>,
  options: (CallOptions & { pageSize?: number | undefined }) | undefined,
): AsyncGenerator<RoomsPage['rooms'][number]> {
  let cursor: string | undefined;
  do {
    const page = await api.rooms(
      {
        ...(cursor !== undefined ? { cursor } : {}),
        ...(options?.pageSize ? { limit: options.pageSize } : {}),
      },
      options,
    );
    yield* page.rooms;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}
