import type { Identity } from '@switchboard/auth';
import { CloseCode, type ConnectCommand, ErrorCode, errorName } from '@switchboard/protocol';
import { errorBody } from '../frames.js';
import type { CommandHandler } from './context.js';

/** Authenticates a connection; the commands pipelined behind it run once its token is good. */
export const connect: CommandHandler<ConnectCommand> = async (ctx, conn, { id, token }) => {
  if (conn.isOpen) {
    if (conn.authenticatedOnUpgrade && token === undefined) {
      const identity = conn.identity;
      if (identity) await ctx.userReady(identity.user);
      if (conn.isOpen) ctx.writer.reply(conn, id, ctx.connectResult(conn));
    } else ctx.writer.replyError(conn, id, ErrorCode.AlreadyAuthenticated, 'already connected');
    return;
  }
  if (token === undefined) {
    ctx.log.debug({ conn: conn.id, reason: 'missing token' }, 'connect rejected');
    ctx.metrics.authFailures.inc({ reason: 'missing' });
    ctx.writer.replyError(conn, id, ErrorCode.TokenInvalid, 'connect needs a token');
    ctx.writer.close(conn, CloseCode.Unauthorized, 'missing token');
    return;
  }
  conn.beginAuthentication();
  let identity: Identity;
  try {
    identity = await ctx.auth.verify(token);
  } catch (error) {
    if (conn.state !== 'authenticating') return;
    const body = errorBody(error, ctx.log);
    ctx.log.debug({ conn: conn.id, code: body.code, reason: body.message }, 'connect rejected');
    ctx.metrics.authFailures.inc({ reason: errorName(body.code) });
    ctx.writer.replyError(conn, id, body.code, body.message);
    ctx.writer.close(conn, closeCodeForAuthError(body.code), body.message);
    return;
  }
  if (conn.state !== 'authenticating') return;
  // The reply waits for the user's subject, so what a backend sends after it arrives; frames
  // that come meanwhile are held behind this connect, as during verification.
  await ctx.holdUser(identity.user);
  if (conn.state !== 'authenticating') {
    ctx.releaseUser(identity.user);
    return;
  }
  ctx.open(conn, identity);
  ctx.writer.reply(conn, id, ctx.connectResult(conn));
  const pipelined = conn.takePipelined();
  if (pipelined) for (const command of pipelined) ctx.run(conn, command);
};

function closeCodeForAuthError(code: number): number {
  if (code === ErrorCode.TokenExpired) return CloseCode.TokenExpired;
  if (code === ErrorCode.TokenRevoked) return CloseCode.Forbidden;
  if (code >= 2000) return CloseCode.Internal;
  return CloseCode.Unauthorized;
}
