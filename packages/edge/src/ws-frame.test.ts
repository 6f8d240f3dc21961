import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { HEARTBEAT_FRAMES, PING_CONTROL_FRAME, textFrame } from './ws-frame.js';

// ws exports its Sender at runtime; @types/ws does not declare it.
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, boolean | number>): Buffer[] };
};

describe('textFrame', () => {
  it('is byte for byte what ws builds for an unmasked text frame, at every length class', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const payload = Buffer.alloc(length, 'x');
      const reference = Buffer.concat(
        Sender.frame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true }),
      );
      expect(textFrame(payload).equals(reference), `length ${length}`).toBe(true);
    }
  });
});

describe('heartbeat frames', () => {
  it('are the ping ws builds for ping() followed by the {"t":"ping"} text frame, in one buffer', () => {
    const ping = Buffer.concat(
      Sender.frame(Buffer.alloc(0), { fin: true, rsv1: false, opcode: 9, mask: false, readOnly: false }),
    );
    expect(PING_CONTROL_FRAME.equals(ping)).toBe(true);
    const push = Buffer.concat(
      Sender.frame(Buffer.from('{"t":"ping"}'), {
        fin: true,
        rsv1: false,
        opcode: 1,
        mask: false,
        readOnly: true,
      }),
    );
    expect(HEARTBEAT_FRAMES.equals(Buffer.concat([ping, push]))).toBe(true);
  });
});
