import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import {
  contentTypeOf,
  EXTENSIONS,
  extensionOf,
  OUTPUT_FORMATS,
} from '../../src/processors/image/formats.js';
import { docAnalyzeProcessor } from '../../src/processors/doc-analyze/descriptor.js';
import { acceptedNames, kindOf, pickerAccept, typeLabel } from '../src/extensions.js';

describe('accepted types as extensions', () => {
  it('names by extension just what the image processor takes', () => {
    // The server's own lists (formats.ts): a format it takes that the page cannot name fails here.
    assert.deepEqual(acceptedNames(imageProcessor.accepts).sort(), [...EXTENSIONS].sort());
    // Each under its own content type: the extension the server gives an output of that type.
    for (const format of OUTPUT_FORMATS)
      assert.ok(acceptedNames([contentTypeOf(format)]).includes(extensionOf(format)), format);
  });

  it('has an extension for every content type of every processor', () => {
    for (const processor of [imageProcessor, docAnalyzeProcessor])
      for (const name of acceptedNames(processor.accepts)) assert.match(name, /^\.\w+$/, processor.name);
  });

  it('says a family in words and keeps a type it does not know as it is', () => {
    assert.deepEqual(acceptedNames(['*/*']), ['any file']);
    assert.deepEqual(acceptedNames(['image/*', 'application/x-custom']), [
      'any image',
      'application/x-custom',
    ]);
  });

  it("lets the system's file picker grey out other files", () => {
    assert.equal(pickerAccept(['image/png', 'text/markdown']), '.png,.md,.markdown');
    assert.equal(pickerAccept(['*/*']), '');
  });

  it('names a file’s kind and type for its row', () => {
    assert.equal(kindOf('image/tiff'), 'image');
    assert.equal(kindOf('application/pdf'), 'pdf');
    assert.equal(kindOf('text/markdown'), 'text');
    assert.equal(kindOf(''), 'other');
    assert.equal(typeLabel('image/jpeg'), 'JPG');
    assert.equal(typeLabel('application/x-custom'), 'application/x-custom');
    assert.equal(typeLabel('', 'trip/IMG_1.HEIC'), 'HEIC');
    assert.equal(typeLabel('', 'README'), 'unknown');
  });
});
