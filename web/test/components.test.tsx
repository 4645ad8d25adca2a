/**
 * The components' markup, rendered by React itself (react-dom/server): what a screen reader
 * and the browser tests rely on — labels tied to fields, errors announced at their field,
 * the figures and downloads of a summary. (Their behaviour in a real browser is in test/e2e.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import { docAggregate } from '../../test/fixtures/doc-aggregate.js';
import type { BatchView, ProcessorInfo } from '../src/api.js';
import { DocAnalysis, ROWS_SHOWN } from '../src/components/DocAnalysis.js';
import { ConnectionStatus } from '../src/components/ConnectionStatus.js';
import { Overall } from '../src/components/Overall.js';
import { NO_PACE } from '../src/pace.js';
import { SettingsForm } from '../src/components/SettingsForm.js';
import { docAnalysis } from '../src/summary.js';

const processor = JSON.parse(
  JSON.stringify({ ...imageProcessor, settingsSchema: imageProcessor.settingsSchema }),
) as ProcessorInfo;
const web = imageProcessor.presets.find((p) => p.name === 'web')!.settings;

describe('SettingsForm', () => {
  it('renders one field per setting, labelled by its title with its key beside it, pre-filled by the preset', () => {
    const html = renderToStaticMarkup(
      <SettingsForm
        processor={processor}
        presetSettings={web}
        changes={{}}
        errors={{}}
        onChange={() => {}}
      />,
    );
    assert.match(
      html,
      /<label for="setting-quality">Quality<\/label><code class="setting-key"[^>]*>quality<\/code><\/span><input id="setting-quality"[^>]*type="number"[^>]*min="1"[^>]*max="100"[^>]*value="80"/,
    );
    assert.match(html, /<select id="setting-format"[^>]*>.*<option value="webp" selected="">webp<\/option>/);
    assert.match(
      html,
      /<label for="setting-withoutEnlargement"><input id="setting-withoutEnlargement"[^>]*type="checkbox"[^>]*checked=""\/> Never enlarge<\/label>/,
    );
    assert.match(html, /<small id="setting-quality-help">Lossy quality/);
    assert.doesNotMatch(html, /aria-invalid/);
  });

  it('marks a wrong field invalid and announces why, tied to the field', () => {
    const html = renderToStaticMarkup(
      <SettingsForm
        processor={processor}
        presetSettings={web}
        changes={{ quality: 0 }}
        errors={{ quality: 'Between 1 and 100' }}
        onChange={() => {}}
      />,
    );
    assert.match(
      html,
      /<input id="setting-quality" aria-describedby="setting-quality-help setting-quality-error" aria-invalid="true"[^>]*value="0"/,
    );
    assert.match(
      html,
      /<small id="setting-quality-error" class="error" role="alert">Between 1 and 100<\/small>/,
    );
  });
});

describe('DocAnalysis', () => {
  const render = (aggregate: unknown) =>
    renderToStaticMarkup(<DocAnalysis analysis={docAnalysis({ aggregate })!} />);

  it('shows the totals, languages, common terms, near duplicates and one row per document', () => {
    const html = render(docAggregate);
    assert.match(html, /<section class="doc-analysis" aria-labelledby="doc-analysis-title">/);
    assert.match(html, /<dt>Words<\/dt><dd>1,600<\/dd>/);
    assert.match(html, /<li>English \(eng\): 4<\/li><li>French \(fra\): 1<\/li>/);
    assert.match(html, /<caption>Common terms: in more than 30 % of the documents<\/caption>/);
    assert.match(html, /<th scope="row">harbour<\/th><td>in 4 of 5 documents<\/td><td>80 %<\/td>/);
    assert.match(html, /<th scope="row">docs\/a.txt<\/th><td>docs\/a-copy.md<\/td><td>91 %<\/td>/);
    assert.match(
      html,
      /<th scope="col">Document<\/th><th scope="col">Words<\/th><th scope="col">Language<\/th>/,
    );
    assert.match(
      html,
      /<th scope="row">docs\/a.txt<\/th><td>400<\/td><td>English<\/td><td>85<\/td><td>harbour, crane<\/td>/,
    );
    assert.match(
      html,
      /<th scope="row">docs\/a-copy.md<\/th><td>1,200<\/td><td>French<\/td><td>–<\/td><td><\/td>/,
    );
    assert.doesNotMatch(html, /Show all|style=/);
  });

  it('says when there are no common terms or near duplicates', () => {
    const html = render({ ...docAggregate, commonTerms: [], nearDuplicates: [] });
    assert.match(html, /No term is in more than 30 % of the documents/);
    assert.match(html, /No documents are near duplicates/);
    assert.doesNotMatch(html, /Common terms:|Near duplicates:/);
  });

  it('shows the first rows of a long table and a button for all of them', () => {
    const files = Array.from({ length: ROWS_SHOWN + 10 }, (_, index) => ({
      ...docAggregate.files[0]!,
      index,
      name: `doc-${index}.txt`,
    }));
    const html = render({ ...docAggregate, files });
    assert.equal(html.match(/<th scope="row">doc-/g)?.length, ROWS_SHOWN);
    assert.match(html, new RegExp(`\\(first ${ROWS_SHOWN} of ${ROWS_SHOWN + 10}\\)</caption>`));
    assert.match(html, new RegExp(`<button type="button">Show all ${ROWS_SHOWN + 10} documents</button>`));
  });
});

describe('Overall', () => {
  const batch = (over: Partial<BatchView>): BatchView =>
    ({
      id: 'b_1',
      status: 'running',
      totalFiles: 41,
      counts: { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 },
      progress: 0,
      etaMs: null,
      ...over,
    }) as BatchView;

  it('draws a cancelled batch as cancelled: the bar at the share done, not full', () => {
    const html = renderToStaticMarkup(
      <Overall
        batch={batch({
          status: 'cancelled',
          progress: 100,
          counts: { queued: 0, running: 0, retrying: 0, succeeded: 11, failed: 1, cancelled: 29 },
        })}
        pace={NO_PACE}
        at={0}
      />,
    );
    assert.match(html, /<strong>cancelled<\/strong> · 12 of 41 files done before the cancel/);
    assert.doesNotMatch(html, /41\/41/);
    assert.match(html, /<progress value="29" max="100" aria-label="Batch progress">/);
  });

  it("says a slow batch's rate per minute and the time left from the files' own pace", () => {
    const started = Date.parse('2026-01-01T00:00:00Z');
    const html = renderToStaticMarkup(
      <Overall
        batch={batch({
          progress: 10,
          counts: { queued: 33, running: 4, retrying: 0, succeeded: 4, failed: 0, cancelled: 0 },
          // The batch's own figure, from its age: not the one shown.
          etaMs: 3_600_000,
        })}
        pace={{ started: { 4: started, 5: started, 6: started, 7: started }, fileMs: 30_000, lanes: 4 }}
        at={started + 10_000}
      />,
    );
    assert.match(html, /4 running · 8\.0 files\/min · about 4 min 28 s left/);
    assert.doesNotMatch(html, /files\/s/);
  });
});

describe('ConnectionStatus', () => {
  const lost = (serverAnswers: boolean | null) =>
    renderToStaticMarkup(
      <ConnectionStatus
        connection={{ state: 'reconnecting', retryAt: Date.now() + 4_000, serverAnswers }}
        onRetry={() => {}}
      />,
    );

  it('says the stream is lost, when it tries again, and offers to try now', () => {
    const html = lost(null);
    assert.match(html, /<span role="status" aria-live="polite">Connection lost\.<\/span>/);
    assert.match(html, /Trying again in [34] s\./);
    assert.match(html, /<button type="button"[^>]*>Try now<\/button>/);
  });

  it('tells a server that does not answer from rows read while the stream is down', () => {
    assert.match(lost(false), /the server does not answer/);
    assert.match(lost(true), /the rows are read from the server meanwhile/);
  });

  it('offers nothing to do while live or ended', () => {
    for (const state of ['live', 'ended'] as const) {
      const html = renderToStaticMarkup(
        <ConnectionStatus connection={{ state, retryAt: null, serverAnswers: null }} onRetry={() => {}} />,
      );
      assert.doesNotMatch(html, /button|Trying again/);
    }
  });
});
