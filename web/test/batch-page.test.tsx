/**
 * The batch page's parts, rendered by React itself (react-dom/server): the not-found page,
 * the status icons, the filter's counts, the header, the file details panel, the download
 * names. (Their behaviour in a real browser is in test/e2e/batch-details.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { routeOf } from '../src/App.js';
import type { BatchView, FileView } from '../src/api.js';
import { BatchHeader, elapsedMs } from '../src/components/BatchHeader.js';
import { cancelText } from '../src/components/BatchPage.js';
import { ConfirmDialog } from '../src/components/ConfirmDialog.js';
import { FileFacts } from '../src/components/FileDetails.js';
import { FileRow } from '../src/components/FileRow.js';
import { ShareLink } from '../src/components/ShareLink.js';
import { StatusFilter, statusCounts } from '../src/components/StatusFilter.js';
import { Download } from '../src/components/Download.js';
import { NotFound } from '../src/components/NotFound.js';
import { folderNameOf } from '../src/upload.js';

export function batchView(over: Partial<BatchView> = {}): BatchView {
  return {
    id: 'b_0123456789abcdefghij',
    name: null,
    status: 'running',
    processor: 'image',
    preset: 'web',
    settings: {},
    totalFiles: 4,
    counts: { queued: 2, running: 1, retrying: 0, succeeded: 1, failed: 0, cancelled: 0 },
    progress: 30,
    etaMs: null,
    inputBytes: 4096,
    outputBytes: 0,
    createdAt: '2026-12-01T10:00:00.000Z',
    startedAt: '2026-12-01T10:00:01.000Z',
    finishedAt: null,
    ...over,
  };
}

export function fileView(over: Partial<FileView> = {}): FileView {
  return {
    index: 0,
    name: 'photos/a.jpg',
    status: 'queued',
    progress: 0,
    attempts: 0,
    contentType: 'image/jpeg',
    inputBytes: 2048,
    outputBytes: null,
    outputName: null,
    outputType: null,
    durationMs: null,
    cpuMs: null,
    error: null,
    details: null,
    node: null,
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

describe('routeOf', () => {
  it('routes the three views', () => {
    assert.deepEqual(routeOf('/'), { view: 'new' });
    assert.deepEqual(routeOf('/batches/'), { view: 'history' });
    assert.deepEqual(routeOf('/batches/b_0123456789abcdefghij'), {
      view: 'batch',
      id: 'b_0123456789abcdefghij',
    });
  });

  it('sends an id the server would never make to the not-found page, not to the API', () => {
    for (const path of [
      '/batches/nope',
      '/batches/b_short',
      '/batches/b_0123456789ABCDEFGHIJ',
      '/batches/x/y',
    ]) {
      assert.deepEqual(routeOf(path), { view: 'missing', what: 'batch' }, path);
    }
  });

  it('sends an unknown address to the not-found page', () => {
    assert.deepEqual(routeOf('/settings'), { view: 'missing', what: 'page' });
  });
});

describe('NotFound', () => {
  it('says the batch does not exist and links to a new batch and past batches', () => {
    const html = renderToStaticMarkup(<NotFound what="batch" />);
    assert.match(html, /<h1[^>]*>No such batch<\/h1>/);
    assert.match(html, /does not exist: it was deleted/);
    assert.match(html, /<a href="\/">Start a new batch<\/a>/);
    assert.match(html, /<a href="\/batches">See past batches<\/a>/);
    assert.doesNotMatch(html, /INVALID_REQUEST|pattern/);
  });

  it('says an unknown address is no page', () => {
    assert.match(renderToStaticMarkup(<NotFound what="page" />), /<h1[^>]*>No such page<\/h1>/);
  });
});

describe('FileRow', () => {
  it('draws each status as an SVG named by the status, with no emoji a font must supply', () => {
    for (const status of ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const) {
      const html = renderToStaticMarkup(
        <table>
          <tbody>
            <FileRow
              file={fileView({ status })}
              batchId="b_0123456789abcdefghij"
              readOnly
              onCancel={() => {}}
              onRetry={() => {}}
              onUnfinished={() => {}}
              onDetails={() => {}}
            />
          </tbody>
        </table>,
      );
      assert.match(
        html,
        new RegExp(`<svg class="status-icon status-${status}" role="img" aria-label="${status}"`),
      );
      assert.doesNotMatch(html, /[\u2300-\u2bff\u{1f300}-\u{1faff}]/u, status);
    }
  });
});

describe('StatusFilter', () => {
  const files = [
    fileView({ index: 0, status: 'failed' }),
    fileView({ index: 1, status: 'failed' }),
    fileView({ index: 2, status: 'failed' }),
    fileView({ index: 3, status: 'succeeded' }),
  ];

  it('counts the files of each status', () => {
    assert.deepEqual(statusCounts(files), {
      queued: 0,
      running: 0,
      retrying: 0,
      succeeded: 1,
      failed: 3,
      cancelled: 0,
    });
  });

  it('shows the count on each option', () => {
    const html = renderToStaticMarkup(<StatusFilter files={files} value="all" onChange={() => {}} />);
    assert.match(html, /<option value="all" selected="">all \(4\)<\/option>/);
    assert.match(html, /<option value="failed">failed \(3\)<\/option>/);
    assert.match(html, /<option value="queued">queued \(0\)<\/option>/);
  });
});

describe('ConfirmDialog', () => {
  it('is a dialog named by its question, the safe answer first and focused', () => {
    const html = renderToStaticMarkup(
      <ConfirmDialog
        open={false}
        title="Cancel every file left?"
        confirm="Cancel all files"
        dismiss="Keep running"
        onConfirm={() => {}}
        onDismiss={() => {}}
      >
        <p>Why</p>
      </ConfirmDialog>,
    );
    const heading =
      /<dialog class="confirm" aria-labelledby="([^"]+)"><h2 id="([^"]+)">Cancel every file left\?<\/h2>/.exec(
        html,
      );
    assert.ok(heading, html);
    assert.equal(heading[1], heading[2]);
    assert.match(
      html,
      /<button type="button" autofocus="">Keep running<\/button><button type="button" class="danger">Cancel all files<\/button>/,
    );
  });
});

describe('ShareLink', () => {
  it('names its button by its visible text alone (axe: label-content-name-mismatch)', () => {
    const html = renderToStaticMarkup(<ShareLink id="b_0123456789abcdefghij" />);
    const button = /<button[^>]*>([^<]*)<\/button>/.exec(html);
    assert.ok(button, html);
    assert.equal(button[1], 'Copy link');
    assert.doesNotMatch(button[0], /aria-label/);
    assert.match(html, /<span role="status" aria-live="polite" class="copied"><\/span>/);
  });
});

describe('BatchHeader', () => {
  const start = Date.parse('2026-12-01T10:00:01.000Z');

  it('shows the processor, preset, start and the time run so far while it runs', () => {
    const html = renderToStaticMarkup(<BatchHeader batch={batchView()} at={start + 83_000} />);
    assert.match(html, /Batch <code>b_0123456789abcdefghij<\/code>/);
    assert.match(html, /<dt>Processor<\/dt><dd>image<\/dd>/);
    assert.match(html, /<dt>Preset<\/dt><dd>web<\/dd>/);
    assert.match(html, /<dt>Started<\/dt><dd><time dateTime="2026-12-01T10:00:01.000Z">/);
    assert.match(html, /<dt>Running for<\/dt><dd class="elapsed">1 min 23 s<\/dd>/);
  });

  it('shows how long an ended batch took, whatever the time now', () => {
    const batch = batchView({ status: 'completed', finishedAt: '2026-12-01T10:00:31.000Z', preset: null });
    const html = renderToStaticMarkup(<BatchHeader batch={batch} at={start + 3_600_000} />);
    assert.match(html, /<dt>Took<\/dt><dd class="elapsed">30.0 s<\/dd>/);
    assert.match(html, /<dt>Preset<\/dt><dd>own settings<\/dd>/);
  });

  it('says an ended batch took the time its files ran, not the wait before a late retry', () => {
    // Two files side by side for 20 s, the end at 10:00:21; one retried at 10:30:00 for 5 s.
    const batch = batchView({ status: 'completed', finishedAt: '2026-12-01T10:30:05.000Z' });
    const runs = [
      { startedAt: '2026-12-01T10:00:01.000Z', finishedAt: '2026-12-01T10:00:21.000Z' },
      { startedAt: '2026-12-01T10:00:02.000Z', finishedAt: '2026-12-01T10:00:11.000Z' },
      { startedAt: '2026-12-01T10:30:00.000Z', finishedAt: '2026-12-01T10:30:05.000Z' },
    ];
    const html = renderToStaticMarkup(<BatchHeader batch={batch} files={runs} at={start + 7_200_000} />);
    assert.match(html, /<dt>Took<\/dt><dd class="elapsed">25.0 s<\/dd>/);
    assert.equal(
      elapsedMs(batch, start, [{ startedAt: null, finishedAt: null }]),
      30 * 60_000 + 4_000,
      'no file times yet: start to end',
    );
    assert.equal(
      elapsedMs({ ...batch, finishedAt: null }, start + 60_000, runs.slice(0, 1)),
      60_000,
      'ended by an event, its end and rows not read yet: the clock, not the rows in view',
    );
    const running = batchView();
    assert.equal(elapsedMs(running, start + 9_000, runs), 9_000, 'while it runs: the clock, not the runs');
  });

  it("is titled by the batch's name, with its id beside it", () => {
    const html = renderToStaticMarkup(<BatchHeader batch={batchView({ name: 'trip' })} at={start} />);
    assert.match(html, /<h1 id="batch-title">trip<\/h1>/);
    assert.match(html, /<dt>Id<\/dt><dd><code>b_0123456789abcdefghij<\/code><\/dd>/);
  });

  it('has no elapsed time before the batch starts', () => {
    assert.equal(elapsedMs(batchView({ startedAt: null }), start), null);
  });
});

describe('FileFacts', () => {
  it('shows the runs, sizes, output, the whole error and what the processor found', () => {
    const html = renderToStaticMarkup(
      <FileFacts
        file={fileView({
          name: 'docs/report.pdf',
          status: 'succeeded',
          attempts: 2,
          contentType: 'application/pdf',
          inputBytes: 4096,
          outputBytes: 1024,
          outputName: 'docs/report.pdf',
          outputType: 'application/pdf',
          durationMs: 1500,
          cpuMs: 1200,
          startedAt: '2026-12-01T10:00:01.000Z',
          finishedAt: '2026-12-01T10:00:02.500Z',
          details: { found: { javascript: 2, embeddedFiles: 1 }, rasterized: false },
        })}
      />,
    );
    assert.match(html, /<h2 id="file-details-title">docs\/report.pdf<\/h2>/);
    assert.match(html, /<dt>Attempts<\/dt><dd>2<\/dd>/);
    assert.match(html, /<dt>Started<\/dt><dd><time dateTime="2026-12-01T10:00:01.000Z">/);
    assert.match(html, /<dt>Time<\/dt><dd>1.5 s<\/dd>/);
    assert.match(html, /<dt>CPU<\/dt><dd>1.2 s<\/dd>/);
    assert.match(html, /<dt>Input<\/dt><dd>4.0 KiB, application\/pdf<\/dd>/);
    assert.match(html, /<dt>Output<\/dt><dd>1.0 KiB \(−75 %\), application\/pdf/);
    assert.match(html, /What the processor found/);
    assert.match(html, /<dt>found<\/dt><dd><dl class="details"><div><dt>javascript<\/dt><dd>2<\/dd>/);
    assert.match(html, /<dt>rasterized<\/dt><dd>false<\/dd>/);
  });

  it("shows a failed file's error in full, code and sentence", () => {
    const message = 'The PDF is encrypted and no password was given: '.repeat(4).trim();
    const html = renderToStaticMarkup(
      <FileFacts file={fileView({ status: 'failed', error: { code: 'ENCRYPTED', message } })} />,
    );
    assert.match(html, /<code>ENCRYPTED<\/code><p>/);
    assert.ok(html.includes(`<p>${message}</p>`));
  });
});

describe('FileRow name', () => {
  it("is a button that opens the file's details", () => {
    const html = renderToStaticMarkup(
      <table>
        <tbody>
          <FileRow
            file={fileView()}
            batchId="b_0123456789abcdefghij"
            readOnly
            onCancel={() => {}}
            onRetry={() => {}}
            onUnfinished={() => {}}
            onDetails={() => {}}
          />
        </tbody>
      </table>,
    );
    assert.match(
      html,
      /<button type="button" class="file-name" aria-haspopup="dialog">photos\/a.jpg<\/button>/,
    );
  });
});

describe('folderNameOf', () => {
  it('names the batch after the one folder every file comes from', () => {
    assert.equal(folderNameOf([{ path: 'trip/a.jpg' }, { path: 'trip/day 2/b.jpg' }]), 'trip');
  });

  it('gives no name to loose files or to files of several folders', () => {
    assert.equal(folderNameOf([{ path: 'a.jpg' }]), undefined);
    assert.equal(folderNameOf([{ path: 'trip/a.jpg' }, { path: 'b.jpg' }]), undefined);
    assert.equal(folderNameOf([{ path: 'trip/a.jpg' }, { path: 'work/b.jpg' }]), undefined);
    assert.equal(folderNameOf([]), undefined);
  });
});

describe('Download', () => {
  it('saves under the name it is given', () => {
    const html = renderToStaticMarkup(
      <Download batchId="b_0123456789abcdefghij" path="/api/x/results.zip" fileName="trip-results.zip">
        Download
      </Download>,
    );
    assert.match(html, /download="trip-results.zip"/);
  });
});

describe('cancelText', () => {
  it('says how many files stop, and that the ones done keep their results', () => {
    assert.equal(
      cancelText(batchView()),
      'The 3 files not done yet stop and are not processed; they can be retried later. The 1 that succeeded keep their results.',
    );
    assert.equal(
      cancelText(
        batchView({ counts: { queued: 4, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 } }),
      ),
      'The 4 files not done yet stop and are not processed; they can be retried later.',
    );
  });
});
