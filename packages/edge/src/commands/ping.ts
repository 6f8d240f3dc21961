import type { PingCommand } from '@switchboard/protocol';
import type { CommandHandler } from './context.js';

/** The client's own liveness check: an empty reply. */
export const ping: CommandHandler<PingCommand> = async (ctx, conn, { id }) => {
  ctx.writer.reply(conn, id, {});
};
