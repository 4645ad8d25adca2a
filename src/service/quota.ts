/**
 * A key's own limits (`filemill keys create --max-concurrent-batches N --max-bytes-per-day B`):
 * checked when it submits — once before a byte is read, and once more with the upload's size
 * before the batch is committed. Two uploads racing may both pass the first check; the second
 * counts every committed byte, so the daily limit is exceeded by one upload at most.
 */
import type { ApiKeyLimits } from '../core/api-keys.js';
import { AppError } from '../core/errors.js';
import type { MetadataStore } from '../core/ports.js';
import { utcDay } from '../core/time.js';

/**
 * @param incomingBytes what this upload adds (0 before it is read)
 * @throws AppError QUOTA_EXCEEDED naming the limit and what is used of it
 */
export async function checkQuota(
  store: Pick<MetadataStore, 'ownerUsage'>,
  owner: string,
  limits: ApiKeyLimits,
  now: number,
  incomingBytes: number,
): Promise<void> {
  const { maxConcurrentBatches, maxBytesPerDay } = limits;
  if (maxConcurrentBatches === null && maxBytesPerDay === null) return;
  const usage = await store.ownerUsage(owner, utcDay(now));
  if (
    incomingBytes === 0 &&
    maxConcurrentBatches !== null &&
    usage.unfinishedBatches >= maxConcurrentBatches
  ) {
    throw new AppError(
      'QUOTA_EXCEEDED',
      `This key may have ${maxConcurrentBatches} unfinished batches at once: wait for one to finish, or cancel one.`,
      { details: { limit: maxConcurrentBatches, unfinishedBatches: usage.unfinishedBatches } },
    );
  }
  if (maxBytesPerDay !== null && usage.bytesToday + incomingBytes > maxBytesPerDay) {
    throw new AppError(
      'QUOTA_EXCEEDED',
      `This key may upload ${maxBytesPerDay} bytes a day (UTC); ${usage.bytesToday} are used today` +
        (incomingBytes > 0 ? ` and this upload has ${incomingBytes}.` : '.'),
      { details: { limit: maxBytesPerDay, bytesToday: usage.bytesToday, incomingBytes } },
    );
  }
}
