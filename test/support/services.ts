/**
 * The rule for tests that need a service outside the process (PostgreSQL, Redis): run them
 * when it answers; otherwise skip them with a notice naming why — except on CI (`CI=true`),
 * where the service is part of the job and its absence is a failure.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';

export { shownUrl } from '../../src/core/urls.js';
import { shownUrl } from '../../src/core/urls.js';

/** Stands in for the suite `title` when `service` at `url` did not answer, for `problem`. */
export function itNeedsService(title: string, service: string, url: string, problem: string): void {
  it(title, (t) => {
    const message = `${service} not reachable at ${shownUrl(url)}: ${problem}`;
    if (process.env.CI === 'true') assert.fail(message);
    t.skip(message);
  });
}
