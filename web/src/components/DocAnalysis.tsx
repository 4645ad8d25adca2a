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

interface TableProps {
  className: string;
  caption: string;
  columns: readonly string[];
  /** One array of cells per row; the first cell heads its row. */
  rows: readonly (readonly ReactNode[])[];
  /** What the rows are, for the button: "Show all 120 documents". */
  what: string;
  /** Said instead of the table when there are no rows. */
  empty?: string;
}

/** A table of the first `ROWS_SHOWN` rows, and a button that shows the rest. */
function FirstRowsTable({ className, caption, columns, rows, what, empty }: TableProps) {
  const [all, setAll] = useState(false);
  if (rows.length === 0 && empty) return <p className="hint">{empty}</p>;
  const shown = all ? rows : rows.slice(0, ROWS_SHOWN);
  const hidden = shown.length < rows.length;
  return (
    <>
      <div className="table-scroll">
        <table className={className}>
          <caption>
            {caption}
            {/* Said in the caption too, so a screen reader hears that rows are left out. */}
            {hidden && ` (first ${shown.length} of ${rows.length})`}
          </caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map(([head, ...cells], i) => (
              <tr key={i}>
                <th scope="row">{head}</th>
                {cells.map((cell, j) => (
                  <td key={j}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {hidden && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {rows.length} {what}
        </button>
      )}
    </>
  );
}

export function DocAnalysis({ analysis }: { analysis: Analysis }) {
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

      <FirstRowsTable
        className="doc-terms"
        caption="Common terms: in more than 30 % of the documents"
        columns={['Term', 'Documents', 'Share']}
        rows={analysis.commonTerms.map((t) => [t.term, t.documents, t.share])}
        what="terms"
        empty="No term is in more than 30 % of the documents."
      />
      <FirstRowsTable
        className="doc-pairs"
        caption="Near duplicates: pairs of documents with nearly the same text"
        columns={['Document', 'Near duplicate', 'Similarity']}
        rows={analysis.nearDuplicates.map((p) => [p.a, p.b, p.similarity])}
        what="pairs"
        empty="No documents are near duplicates of each other."
      />

      <FirstRowsTable
        className="doc-files"
        caption="Documents compared: keywords are frequent in the document and rare in the rest"
        columns={['Document', 'Words', 'Language', 'Quality', 'Keywords']}
        rows={analysis.files.map((f) => [
          f.name,
          f.words.toLocaleString('en'),
          languageName(f.language),
          f.quality ?? '–',
          f.keywords.join(', '),
        ])}
        what="documents"
      />
    </section>
  );
}
