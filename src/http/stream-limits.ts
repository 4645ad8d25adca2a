/**
 * How many event streams (SSE and WebSocket together) may be open at once, per batch and
 * per caller (its API key, else its address), so one client cannot hold the server's memory
 * and sockets.
 */
import { AppError } from '../core/errors.js';

export class StreamLimits {
  private readonly perBatch = new Map<string, number>();
  private readonly perCaller = new Map<string, number>();

  constructor(
    private readonly maxPerBatch: number,
    private readonly maxPerCaller: number,
  ) {}

  /**
   * Counts a new stream; returns the function that uncounts it (call it once).
   * @throws AppError `RATE_LIMITED` when a limit is reached
   */
  acquire(batchId: string, caller: string): () => void {
    if ((this.perBatch.get(batchId) ?? 0) >= this.maxPerBatch) {
      throw new AppError('RATE_LIMITED', `This batch already has ${this.maxPerBatch} open event streams.`);
    }
    if ((this.perCaller.get(caller) ?? 0) >= this.maxPerCaller) {
      throw new AppError(
        'RATE_LIMITED',
        `This caller (key or address) already has ${this.maxPerCaller} open event streams.`,
      );
    }
    bump(this.perBatch, batchId, 1);
    bump(this.perCaller, caller, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.perBatch, batchId, -1);
      bump(this.perCaller, caller, -1);
    };
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
