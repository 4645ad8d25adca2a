/** Error messages from processors lose every server path before a client sees them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sanitiseMessage } from '../../src/worker/sanitise-message.js';

describe('sanitiseMessage', () => {
  const ctx = { inputPath: '/data/blobs/b_1/0/in', outputPath: '/data/blobs/b_1/0/out', name: 'trip/a.jpg' };

  it("names the file's own paths by its display name and as the output", () => {
    assert.equal(
      sanitiseMessage('cannot read /data/blobs/b_1/0/in, nor write /data/blobs/b_1/0/out', ctx),
      'cannot read "trip/a.jpg", nor write the output',
    );
  });

  it('replaces any other absolute path and file URL', () => {
    assert.equal(
      sanitiseMessage("ENOENT: no such file, open '/etc/filemill/keys.json'", ctx),
      "ENOENT: no such file, open '<path>'",
    );
    assert.equal(sanitiseMessage('in file:///srv/app/x.js now', ctx), 'in <path> now');
  });

  it('leaves content types and ordinary slashes alone', () => {
    assert.equal(
      sanitiseMessage('expected image/jpeg and/or 1/2 of it'),
      'expected image/jpeg and/or 1/2 of it',
    );
  });

  it('drops stack lines, joins lines and caps the length', () => {
    assert.equal(sanitiseMessage('boom\n    at f (/srv/app/x.js:1:2)\n    at g (node:internal/x)'), 'boom');
    assert.equal(sanitiseMessage('a\nb'), 'a b');
    const long = sanitiseMessage('z'.repeat(2000));
    assert.equal(long.length, 500);
    assert.ok(long.endsWith('…'));
  });
});
