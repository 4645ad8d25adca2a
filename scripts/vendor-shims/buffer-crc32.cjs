/**
 * buffer-crc32's interface over Node's own `zlib.crc32` (native; Node ≥ 20.15), put in its
 * place when yazl is bundled (scripts/vendor.ts). yazl computes the CRC-32 of every byte of a
 * results ZIP with it: buffer-crc32 does so a byte at a time in JavaScript, ~3 ms of the
 * server's main thread per MiB (a 1 GiB ZIP: three seconds of CPU); the native one is many
 * times faster. Same values: test/unit/vendor-shims.test.ts compares them.
 */
'use strict';
const { crc32 } = require('node:zlib');

/** A CRC-32 to continue from, as buffer-crc32 takes it: a number, or 4 bytes big-endian. */
function start(previous) {
  if (Buffer.isBuffer(previous)) return previous.readUInt32BE(0);
  return previous ? previous >>> 0 : 0;
}

function unsigned(data, previous) {
  return crc32(Buffer.isBuffer(data) ? data : Buffer.from(data), start(previous));
}

/** The CRC-32 as 4 bytes, big-endian, as `crc32(data)` gives it. */
function bufferCrc32(data, previous) {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(unsigned(data, previous));
  return out;
}
bufferCrc32.unsigned = unsigned;
bufferCrc32.signed = (data, previous) => unsigned(data, previous) | 0;

module.exports = bufferCrc32;
