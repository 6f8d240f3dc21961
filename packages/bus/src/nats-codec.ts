import {
  DrainingConnectionError,
  InvalidSubjectError,
  type Msg,
  type MsgHdrs,
  ClosedConnectionError as NatsClosedConnectionError,
  NoRespondersError as NatsNoRespondersError,
  TimeoutError as NatsTimeoutError,
  headers as natsHeaders,
  RequestError,
} from '@nats-io/transport-node';
import type { BusHeaders, BusMessage } from './bus.js';
import { BadSubjectError, ClosedError, NoRespondersError, SwitchboardError, TimeoutError } from './errors.js';

/*
 * Between the NATS client and the bus interface: headers and messages one way, the client's
 * errors turned into the bus's error classes the other. Used by the services' NATS bus and by
 * the server SDK's own NATS link, which must not load anything else of the bus.
 */

/** NATS refuses header names with ':' or characters outside 33–126, and values with CR/LF. */
export function toNatsHeaders(hdrs: BusHeaders | undefined): MsgHdrs | undefined {
  if (hdrs === undefined) return undefined;
  const keys = Object.keys(hdrs);
  if (keys.length === 0) return undefined;
  const out = natsHeaders();
  for (const key of keys) {
    try {
      out.set(key, hdrs[key]!);
    } catch (error) {
      throw new SwitchboardError('SB_ERR_BAD_HEADER', `bad bus header "${key}"`, { cause: error });
    }
  }
  return out;
}

export function toBusMessage(msg: Msg): BusMessage {
  return {
    subject: msg.subject,
    data: msg.data,
    headers: fromNatsHeaders(msg.headers),
    reply: msg.reply ? msg.reply : undefined,
  };
}

/** A name sent several times keeps its first value: the interface has one value per name. */
function fromNatsHeaders(hdrs: MsgHdrs | undefined): BusHeaders | undefined {
  if (hdrs === undefined) return undefined;
  const out: Record<string, string> = {};
  let any = false;
  for (const [key, values] of hdrs) {
    const first = values[0];
    if (first === undefined) continue;
    out[key] = first;
    any = true;
  }
  return any ? out : undefined;
}

export function mapClientError(error: unknown, subject: string): unknown {
  if (error instanceof NatsClosedConnectionError || error instanceof DrainingConnectionError) {
    return new ClosedError('bus', { cause: error });
  }
  if (error instanceof InvalidSubjectError) {
    return new BadSubjectError(subject, error.message);
  }
  return error;
}

export function mapRequestError(error: unknown, subject: string, timeoutMs: number): unknown {
  if (error instanceof NatsTimeoutError) return new TimeoutError(subject, timeoutMs, { cause: error });
  if (error instanceof NatsNoRespondersError) return new NoRespondersError(subject, { cause: error });
  if (error instanceof RequestError) {
    if (error.isNoResponders()) return new NoRespondersError(subject, { cause: error });
    if (error.cause instanceof NatsTimeoutError)
      return new TimeoutError(subject, timeoutMs, { cause: error });
    // "connection disconnected", "cancelled" (the client closed under the request), …
    return new ClosedError('bus connection', { cause: error });
  }
  return mapClientError(error, subject);
}
