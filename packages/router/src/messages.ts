import type { JsonValue, Sender } from '@switchboard/protocol';

/**
 * A message is stored once as the JSON body `{"event","data","from","ts"}` and turned into a
 * client frame by prefixing room, offset and epoch — string work only, no re-serialization of
 * `data`, whether the frame goes live to the edges or back out of history.
 */
export function messageBody(event: string, data: JsonValue, from: Sender, ts: number): string {
  return JSON.stringify({ event, data, from, ts });
}

export function messageFrame(room: string, epoch: string, offset: number, body: string): string {
  return `{"t":"msg","room":${JSON.stringify(room)},"offset":${offset},"epoch":${JSON.stringify(epoch)},${body.slice(1)}`;
}
