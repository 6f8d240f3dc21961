import type { ClientCommand } from '@switchboard/protocol';
import { inSpan, SpanKind } from '@switchboard/telemetry';
import type { Connection } from '../connection.js';
import type { CommandContext } from './context.js';
import { dispatch } from './table.js';

/**
 * Runs commands: each in a server span, timed by op; a handler that fails gets the coded
 * error as its reply.
 */
export class CommandRunner {
  readonly #ctx: CommandContext;

  constructor(ctx: Omit<CommandContext, 'run'>) {
    this.#ctx = { ...ctx, run: (conn, command) => this.run(conn, command) };
  }

  run(conn: Connection, command: ClientCommand): void {
    const ctx = this.#ctx;
    const done = ctx.metrics.commandDuration.startTimer({ op: command.op });
    const attributes: Record<string, string> = { 'switchboard.conn': conn.id };
    if ('room' in command) attributes['switchboard.room'] = command.room;
    inSpan(`switchboard ${command.op}`, { kind: SpanKind.SERVER, attributes }, () =>
      dispatch(ctx, conn, command),
    ).then(
      () => done(),
      (error: unknown) => {
        done();
        ctx.writer.replyFailure(conn, command.id, error);
      },
    );
  }
}
