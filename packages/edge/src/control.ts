import { type ControlMessage, DeliveryHeaders, decodeJson } from '@switchboard/bus';
import { isValidRoomName } from '@switchboard/protocol';

/** Control messages come from internal services; still, a bad one is ignored, never trusted blindly. */
export function parseControl(
  data: Uint8Array,
  headers: Readonly<Record<string, string>> | undefined,
): ControlMessage | undefined {
  if (headers?.[DeliveryHeaders.kind] !== 'control') return undefined;
  let value: unknown;
  try {
    value = decodeJson(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (m['action'] === 'disconnect' && typeof m['code'] === 'number' && typeof m['reason'] === 'string') {
    return {
      action: 'disconnect',
      code: m['code'],
      reason: m['reason'].slice(0, 120),
      ...(typeof m['conn'] === 'string' ? { conn: m['conn'] } : {}),
    };
  }
  if (m['action'] === 'revoke') {
    if (typeof m['jti'] === 'string') return { action: 'revoke', jti: m['jti'] };
    if (typeof m['user'] === 'string' && typeof m['issuedBeforeMs'] === 'number') {
      return { action: 'revoke', user: m['user'], issuedBeforeMs: m['issuedBeforeMs'] };
    }
    return undefined;
  }
  if ((m['action'] === 'subscribe' || m['action'] === 'unsubscribe') && typeof m['room'] === 'string') {
    return isValidRoomName(m['room']) ? { action: m['action'], room: m['room'] } : undefined;
  }
  return undefined;
}
