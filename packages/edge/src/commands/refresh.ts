import { ErrorCode, type RefreshCommand } from '@switchboard/protocol';
import type { CommandHandler } from './context.js';

/** A new token for the same user: new grants, and the expiry deadline starts over. */
export const refresh: CommandHandler<RefreshCommand> = async (ctx, conn, { id, token }) => {
  const identity = await ctx.auth.verify(token).catch((error: unknown) => {
    ctx.log.debug({ conn: conn.id, err: error }, 'refresh rejected');
    throw error;
  });
  if (!conn.isOpen) return;
  if (identity.user !== conn.identity!.user) {
    ctx.log.debug({ conn: conn.id, reason: 'token for another user' }, 'refresh rejected');
    ctx.writer.replyError(conn, id, ErrorCode.TokenUserMismatch, 'refresh token is for another user');
    return;
  }
  conn.replaceIdentity(identity);
  ctx.deadlines.armExpiry(conn);
  ctx.writer.reply(conn, id, identity.expiresAt !== undefined ? { expiresAt: identity.expiresAt } : {});
};
