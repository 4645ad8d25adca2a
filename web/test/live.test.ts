/** The live stream's back-off (web/src/live.ts): how long the page waits between attempts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from '../src/live.js';

describe('backoffMs', () => {
  it('doubles from half a second to fifteen, each wait jittered down to half of it', () => {
    const longest = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffMs(attempt, () => 1));
    assert.deepEqual(longest, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    const shortest = [0, 1, 5].map((attempt) => backoffMs(attempt, () => 0));
    assert.deepEqual(shortest, [250, 500, 7500]);
  });
});
