import type { PublishCommand } from '@switchboard/protocol';
import { authorize } from './authorize.js';
import type { CommandHandler } from './context.js';

/**
 * Forwards a message to the router. A connection's publishes go one at a time, so its
 * messages keep their order; each replies (or fails) on its own.
 */
export const publish: CommandHandler<PublishCommand> = (ctx, conn, command) => {
  const identity = conn.identity!;
  return conn.afterPreviousPublishes(async () => {
    try {
      authorize(identity, 'publish', command.room);
      const result = await ctx.router.publish({
        user: identity.user,
        conn: conn.id,
        room: command.room,
        event: command.event,
        data: command.data,
        ...(command.key !== undefined ? { key: command.key } : {}),
      });
      ctx.writer.reply(conn, command.id, result);
    } catch (error) {
      ctx.writer.replyFailure(conn, command.id, error);
    }
  });
};
