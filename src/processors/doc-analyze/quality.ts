/**
 * A quality score for a document, 0–100, with the reasons it is not 100: what someone
 * checking a pile of documents before publishing or archiving them looks at — text that
 * cannot be searched (scanned pages), fonts that are not embedded, metadata that is missing,
 * restrictions from encryption, next to no text at all.
 */
import type { Extracted } from './extract.js';

export interface Quality {
  score: number;
  reasons: string[];
}

export function assessQuality(doc: Extracted, words: number): Quality {
  const reasons: string[] = [];
  let score = 100;
  const penalise = (points: number, reason: string): void => {
    score -= points;
    reasons.push(reason);
  };
  const pdf = doc.pdf;
  if (pdf && doc.pages) {
    const scanned = pdf.pagesWithoutText.length;
    if (scanned > 0) {
      penalise(
        Math.round(40 * (scanned / doc.pages)),
        `${scanned} of ${doc.pages} pages have no text layer (scanned or drawn as images): their text cannot be searched`,
      );
    }
    const notEmbedded = pdf.fonts.filter((f) => !f.embedded);
    if (notEmbedded.length > 0) {
      const names = notEmbedded.slice(0, 3).map((f) => f.name);
      penalise(
        15,
        `${notEmbedded.length} font(s) not embedded (${names.join(', ')}${notEmbedded.length > 3 ? ', …' : ''}): it looks different on other machines`,
      );
    }
    if (pdf.encrypted)
      penalise(10, 'encrypted with an owner password: printing or copying may be restricted');
  }
  if (!doc.metadata.title && doc.format !== 'text') penalise(10, 'no title in the metadata');
  if (!doc.metadata.author && (doc.format === 'pdf' || doc.format === 'html')) {
    penalise(5, 'no author in the metadata');
  }
  if (words < 20 && !(pdf && doc.pages !== null && pdf.pagesWithoutText.length === doc.pages)) {
    penalise(20, `almost no text (${words} words)`);
  }
  return { score: Math.max(0, score), reasons };
}
