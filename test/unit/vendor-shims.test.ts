/**
 * The shims put in place of a dependency when it is bundled (scripts/vendor-shims/) answer as
 * the package they replace: same values, same shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Crc32 = ((data: Buffer, previous?: Buffer | number) => Buffer) & {
  unsigned(data: Buffer, previous?: Buffer | number): number;
  signed(data: Buffer, previous?: Buffer | number): number;
};

// buffer-crc32 is yazl's own dependency: the reference here, not a dependency of ours.
const original = require(require.resolve('buffer-crc32', { paths: [require.resolve('yazl')] })) as Crc32;
const shim = require('../../scripts/vendor-shims/buffer-crc32.cjs') as Crc32;

describe("the buffer-crc32 shim over Node's zlib.crc32", () => {
  const samples = [Buffer.alloc(0), Buffer.from('filemill'), randomBytes(1), randomBytes(70_000)];

  it('gives the CRC-32 buffer-crc32 gives, unsigned, signed and as 4 bytes', () => {
    for (const data of samples) {
      assert.equal(shim.unsigned(data), original.unsigned(data), `${data.length} bytes`);
      assert.equal(shim.signed(data), original.signed(data));
      assert.deepEqual(shim(data), original(data));
    }
    assert.equal(shim.unsigned(Buffer.from('123456789')), 0xcbf43926, "CRC-32's check value");
  });

  it('continues from a previous CRC, given as a number or as 4 bytes, as yazl does chunk by chunk', () => {
    const whole = randomBytes(100_000);
    let crc = 0;
    for (let at = 0; at < whole.length; at += 8191) crc = shim.unsigned(whole.subarray(at, at + 8191), crc);
    assert.equal(crc, original.unsigned(whole));
    const head = whole.subarray(0, 10);
    const tail = whole.subarray(10);
    assert.equal(shim.unsigned(tail, original(head)), original.unsigned(tail, original(head)));
  });
});
