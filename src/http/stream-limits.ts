/**
 * How many event streams (SSE and WebSocket together) may be open at once, per batch and
 * per client address, so one client cannot hold the server's memory and sockets.
 */
import { AppError } from '../core/errors.js';

export class StreamLimits {
  private readonly perBatch = new Map<string, number>();
  private readonly perIp = new Map<string, number>();

  constructor(
    private readonly maxPerBatch: number,
    private readonly maxPerIp: number,
  ) {}

  /**
   * Counts a new stream; returns the function that uncounts it (call it once).
   * @throws AppError `RATE_LIMITED` when a limit is reached
   */
  acquire(batchId: string, ip: string): () => void {
    if ((this.perBatch.get(batchId) ?? 0) >= this.maxPerBatch) {
      throw new AppError('RATE_LIMITED', `This batch already has ${this.maxPerBatch} open event streams.`);
    }
    if ((this.perIp.get(ip) ?? 0) >= this.maxPerIp) {
      throw new AppError('RATE_LIMITED', `This address already has ${this.maxPerIp} open event streams.`);
    }
    bump(this.perBatch, batchId, 1);
    bump(this.perIp, ip, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.perBatch, batchId, -1);
      bump(this.perIp, ip, -1);
    };
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
