/** How a child's death or report becomes a file error, and the /proc parsers behind the limits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crashFailure, reportedFailure } from '../../src/worker/outcomes.js';
import { parseCpuMs, parseVmRss } from '../../src/worker/proc-stats.js';

describe('crashFailure', () => {
  it("reads V8's heap abort in stderr as MEMORY_LIMIT, not transient", () => {
    const stderr =
      'FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory';
    assert.deepEqual(crashFailure(null, 'SIGABRT', stderr), {
      error: {
        code: 'MEMORY_LIMIT',
        message: 'Processing the file used more memory than the worker may use.',
      },
      transient: false,
    });
  });

  it('calls any other death WORKER_CRASHED, transient, naming the signal or exit code', () => {
    assert.deepEqual(crashFailure(null, 'SIGSEGV', ''), {
      error: {
        code: 'WORKER_CRASHED',
        message: 'The worker process died while processing the file (signal SIGSEGV).',
      },
      transient: true,
    });
    assert.match(crashFailure(3, null, 'Error: x').error.message, /exit code 3/);
  });
});

describe('reportedFailure', () => {
  it('keeps a known code and sanitises the message', () => {
    const failure = reportedFailure('CORRUPT_INPUT', 'bad /x/y/in', { inputPath: '/x/y/in', name: 'a.jpg' });
    assert.deepEqual(failure, { error: { code: 'CORRUPT_INPUT', message: 'bad "a.jpg"' }, transient: false });
  });

  it('maps an allocation failure to MEMORY_LIMIT and anything else to PROCESSOR_ERROR', () => {
    assert.equal(reportedFailure(null, 'Array buffer allocation failed', {}).error.code, 'MEMORY_LIMIT');
    assert.equal(reportedFailure('BOGUS', 'x', {}).error.code, 'PROCESSOR_ERROR');
    assert.equal(reportedFailure(null, '', {}).error.message, 'The processor failed without a message.');
  });
});

describe('/proc parsers', () => {
  it('reads VmRSS in bytes', () => {
    assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t  51200 kB\nVmData: 1 kB\n'), 51200 * 1024);
    assert.equal(parseVmRss('Name:\tnode\n'), null);
  });

  it('reads utime + stime past a command name holding spaces and parentheses', () => {
    const stat = '42 (my (odd) name) S 1 42 42 0 -1 4194304 100 0 0 0 250 30 0 0 20 0 7 0 1 2 3';
    assert.equal(parseCpuMs(stat), 2800);
  });
});

describe('a full disk reported by the child', () => {
  it('is STORAGE_FULL and transient, from the errno the child maps or from the message alone', () => {
    const byCode = reportedFailure(
      'STORAGE_FULL',
      "ENOSPC: no space left on device, write '/data/b/out/1'",
      {},
    );
    assert.equal(byCode.error.code, 'STORAGE_FULL');
    assert.equal(byCode.transient, true);
    assert.doesNotMatch(byCode.error.message, /\/data/);
    const byMessage = reportedFailure(
      'PROCESSOR_ERROR',
      'VipsForeignSave: write failed: No space left on device',
      {},
    );
    assert.equal(byMessage.error.code, 'STORAGE_FULL');
    assert.equal(reportedFailure(null, 'The file is damaged.', {}).error.code, 'PROCESSOR_ERROR');
  });
});
