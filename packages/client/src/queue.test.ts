import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './queue.js';

type Item = { name: string; bytes: number };
const item = (name: string, bytes = 10): Item => ({ name, bytes });

describe('BoundedQueue', () => {
  it('keeps FIFO order and drains everything', () => {
    const queue = new BoundedQueue<Item>({ maxCount: 10, maxBytes: 1000, whenFull: 'reject-new' });
    for (const name of ['a', 'b', 'c']) expect(queue.offer(item(name)).accepted).toBe(true);
    expect(queue.length).toBe(3);
    expect(queue.bytes).toBe(30);
    expect(queue.drain().map((i) => i.name)).toEqual(['a', 'b', 'c']);
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  it('reject-new refuses by count and by bytes, keeping what is queued', () => {
    const byCount = new BoundedQueue<Item>({ maxCount: 2, maxBytes: 1000, whenFull: 'reject-new' });
    byCount.offer(item('a'));
    byCount.offer(item('b'));
    expect(byCount.offer(item('c'))).toEqual({ accepted: false, evicted: [] });
    expect(byCount.drain().map((i) => i.name)).toEqual(['a', 'b']);

    const byBytes = new BoundedQueue<Item>({ maxCount: 100, maxBytes: 25, whenFull: 'reject-new' });
    byBytes.offer(item('a'));
    byBytes.offer(item('b'));
    expect(byBytes.offer(item('c')).accepted).toBe(false);
    expect(byBytes.offer(item('small', 5)).accepted).toBe(true);
    expect(byBytes.bytes).toBe(25);
  });

  it('drop-oldest evicts from the head until the new item fits', () => {
    const queue = new BoundedQueue<Item>({ maxCount: 10, maxBytes: 30, whenFull: 'drop-oldest' });
    queue.offer(item('a'));
    queue.offer(item('b'));
    queue.offer(item('c'));
    const outcome = queue.offer(item('big', 20));
    expect(outcome.accepted).toBe(true);
    expect(outcome.evicted.map((i) => i.name)).toEqual(['a', 'b']);
    expect(queue.drain().map((i) => i.name)).toEqual(['c', 'big']);
  });

  it('never accepts an item larger than maxBytes, nor anything when maxCount is 0', () => {
    const queue = new BoundedQueue<Item>({ maxCount: 10, maxBytes: 30, whenFull: 'drop-oldest' });
    queue.offer(item('a'));
    expect(queue.offer(item('huge', 31))).toEqual({ accepted: false, evicted: [] });
    expect(queue.length).toBe(1);
    const disabled = new BoundedQueue<Item>({ maxCount: 0, maxBytes: 30, whenFull: 'reject-new' });
    expect(disabled.offer(item('a')).accepted).toBe(false);
  });

  it('requeueFront puts unacknowledged items back ahead of newer ones, in order', () => {
    const queue = new BoundedQueue<Item>({ maxCount: 2, maxBytes: 1000, whenFull: 'reject-new' });
    queue.offer(item('c'));
    queue.requeueFront([item('a'), item('b')]);
    expect(queue.length).toBe(3);
    expect(queue.drain().map((i) => i.name)).toEqual(['a', 'b', 'c']);
  });
});
