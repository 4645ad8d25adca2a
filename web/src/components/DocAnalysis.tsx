/**
 * doc-analyze's batch analysis in the summary: the totals, the languages, the terms most
 * documents share, the near-duplicate pairs and one comparison row per document. Long
 * tables show their first rows and a button for the rest.
 */
import { useState, type ReactNode } from 'react';
import { languageName } from '../../../src/core/doc-aggregate.js';
import type { DocAnalysis as Analysis } from '../summary.js';

/** Rows a table shows before "Show all". */
export const ROWS_SHOWN = 50;

/** The first `ROWS_SHOWN` rows, and the button that shows the rest (null when none is hidden). */
function useFirstRows<T>(rows: readonly T[], what: string): { shown: readonly T[]; more: ReactNode } {
  const [all, setAll] = useState(false);
  if (all || rows.length <= ROWS_SHOWN) return { shown: rows, more: null };
  return {
    shown: rows.slice(0, ROWS_SHOWN),
    more: (
      <button type="button" onClick={() => setAll(true)}>
        Show all {rows.length} {what}
      </button>
    ),
  };
}

/** "(first 50 of 120)" in a caption while rows are hidden, so a screen reader hears it too. */
const shownOf = (shown: number, total: number) => (shown < total ? ` (first ${shown} of ${total})` : '');

export function DocAnalysis({ analysis }: { analysis: Analysis }) {
  const terms = useFirstRows(analysis.commonTerms, 'terms');
  const pairs = useFirstRows(analysis.nearDuplicates, 'pairs');
  const files = useFirstRows(analysis.files, 'documents');
  return (
    <section className="doc-analysis" aria-labelledby="doc-analysis-title">
      <h3 id="doc-analysis-title">Document analysis</h3>
      <dl className="facts">
        {analysis.headline.map((f) => (
          <div key={f.label}>
            <dt>{f.label}</dt>
            <dd>{f.value}</dd>
          </div>
        ))}
      </dl>

      <h4>Languages</h4>
      <ul className="languages">
        {analysis.languages.map((l) => (
          <li key={l.code}>
            {l.name === l.code ? l.code : `${l.name} (${l.code})`}: {l.count}
          </li>
        ))}
      </ul>

      {analysis.commonTerms.length === 0 ? (
        <p className="hint">No term is in more than 30 % of the documents.</p>
      ) : (
        <>
          <table className="doc-terms">
            <caption>
              Common terms: in more than 30 % of the documents
              {shownOf(terms.shown.length, analysis.commonTerms.length)}
            </caption>
            <thead>
              <tr>
                <th scope="col">Term</th>
                <th scope="col">Documents</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {terms.shown.map((t) => (
                <tr key={t.term}>
                  <th scope="row">{t.term}</th>
                  <td>{t.documents}</td>
                  <td>{t.share}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {terms.more}
        </>
      )}

      {analysis.nearDuplicates.length === 0 ? (
        <p className="hint">No documents are near duplicates of each other.</p>
      ) : (
        <>
          <table className="doc-pairs">
            <caption>
              Near duplicates: pairs of documents with nearly the same text
              {shownOf(pairs.shown.length, analysis.nearDuplicates.length)}
            </caption>
            <thead>
              <tr>
                <th scope="col">Document</th>
                <th scope="col">Near duplicate</th>
                <th scope="col">Similarity</th>
              </tr>
            </thead>
            <tbody>
              {pairs.shown.map((p, i) => (
                <tr key={i}>
                  <td>{p.a}</td>
                  <td>{p.b}</td>
                  <td>{p.similarity}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {pairs.more}
        </>
      )}

      <div className="table-scroll">
        <table className="doc-files">
          <caption>
            Documents compared: keywords are frequent in the document and rare in the rest
            {shownOf(files.shown.length, analysis.files.length)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Document</th>
              <th scope="col">Words</th>
              <th scope="col">Language</th>
              <th scope="col">Quality</th>
              <th scope="col">Keywords</th>
            </tr>
          </thead>
          <tbody>
            {files.shown.map((f) => (
              <tr key={f.index}>
                <th scope="row">{f.name}</th>
                <td>{f.words.toLocaleString('en')}</td>
                <td>{languageName(f.language)}</td>
                <td>{f.quality ?? '–'}</td>
                <td>{f.keywords.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {files.more}
    </section>
  );
}
