/**
 * The new-batch page's parts, rendered by React itself (react-dom/server): the action bar's
 * count, size and *Start*, the chosen files' rows with their icons and renaming notes. Their
 * behaviour in a real browser (sticking, thumbnails) is in test/e2e/new-batch.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { ActionBar } from '../src/components/ActionBar.js';
import { ChosenFiles } from '../src/components/ChosenFiles.js';
import { FileIcon } from '../src/components/FileIcon.js';

const bar = (props: Partial<Parameters<typeof ActionBar>[0]>) =>
  renderToStaticMarkup(
    <ActionBar
      count={41}
      bytes={86 * 1024 * 1024}
      plan="Convert images · web"
      blocked={null}
      busy={false}
      upload={null}
      onStart={() => {}}
      onCancel={() => {}}
      {...props}
    />,
  );

describe('the action bar', () => {
  it('says how many files and how large, beside Start', () => {
    const html = bar({});
    assert.match(html, /<strong>41 files · 86 MiB<\/strong>/);
    assert.match(html, /Convert images · web/);
    // The count is in the button's name too, for whoever hears it alone.
    assert.match(
      html,
      /<button type="button" class="primary">Start<span class="visually-hidden"> 41 files<\/span><\/button>/,
    );
  });

  it('keeps Start disabled without files, with bad settings, and while files are compared', () => {
    assert.match(bar({ count: 0, bytes: 0 }), /No files chosen yet.*disabled=""/);
    assert.match(
      bar({ blocked: 'Fix the settings first.' }),
      /role="alert">Fix the settings first\..*disabled=""/,
    );
    assert.match(bar({ busy: true }), /class="primary" disabled=""/);
  });

  it('shows the upload and its cancel button once started', () => {
    const html = bar({ upload: { sent: 1024, total: 4096 } });
    assert.match(html, /Uploading 1.0 KiB of 4.0 KiB<progress value="1024" max="4096">/);
    assert.match(html, />Cancel upload</);
    assert.doesNotMatch(html, />Start</);
  });
});

describe('the chosen files', () => {
  it('names a renamed file as the batch will, and says why', () => {
    const html = renderToStaticMarkup(
      <ChosenFiles
        files={[
          { path: 'trip/photo.jpg', file: new File(['a'], 'photo.jpg', { type: 'image/jpeg' }) },
          {
            path: 'trip/photo (2).jpg',
            renamedFrom: 'trip/photo.jpg',
            file: new File(['b'], 'photo.jpg', { type: 'image/jpeg' }),
          },
          { path: 'notes.pdf', file: new File(['c'], 'notes.pdf', { type: 'application/pdf' }) },
        ]}
        totalBytes={3}
        locked={false}
        onRemove={() => {}}
      />,
    );
    assert.match(
      html,
      /trip\/photo \(2\)\.jpg<small class="renamed">Sent as photo \(2\)\.jpg: another file is named trip\/photo\.jpg<\/small>/,
    );
    assert.match(html, /<td>JPG<\/td>/);
    assert.match(html, /<td>PDF<\/td>/);
    assert.match(html, /aria-label="Remove notes\.pdf"/);
  });
});

describe('file icons', () => {
  it('are shapes, with no text or emoji that needs a font', () => {
    for (const kind of ['image', 'pdf', 'document', 'text', 'archive', 'other'] as const) {
      const html = renderToStaticMarkup(<FileIcon kind={kind} />);
      assert.match(html, /^<svg class="file-icon [a-z]+"[^>]*aria-hidden="true"/);
      assert.doesNotMatch(html, /<text|>[^<]+</, kind);
    }
  });
});
