import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import { docAnalyzeProcessor } from '../../src/processors/doc-analyze/descriptor.js';
import { acceptedNames, kindOf, pickerAccept, typeLabel } from '../src/extensions.js';

describe('accepted types as extensions', () => {
  it('names what the image processor takes by extension', () => {
    assert.deepEqual(acceptedNames(imageProcessor.accepts), [
      '.jpg',
      '.jpeg',
      '.jfif',
      '.png',
      '.webp',
      '.avif',
      '.tif',
      '.tiff',
      '.gif',
    ]);
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
