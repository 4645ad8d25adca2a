/**
 * doc-analyze across a batch, on texts made here: the terms it counts leave out the stop
 * words of every language in the batch, the web's noise, numbers and single letters (per
 * document and in the batch's common terms); short near-copies are paired, unrelated short
 * texts are not, and a larger batch of both finds exactly the copies planted in it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aggregate, run } from '../../src/processors/doc-analyze/run.js';
import { editSimilarity, shortNearCopies, wordHashes } from '../../src/processors/doc-analyze/near-copies.js';
import type { AggregateFile } from '../../src/processors/processor.js';
import { madeUpText, nearCopy } from './doc-fixtures.js';

const limits = { maxInputPixels: 40_000_000, maxOutputBytes: 100 * 1024 * 1024 };
const ctx = () => ({ progress: () => {}, signal: new AbortController().signal, limits });
const settings = { output: 'analysis', keywords: 10, summarySentences: 0, entities: false };

/** Words that must never be counted as terms, whatever the language of the batch. */
const NEVER = ['the', 'its', 'new', 'and', 'les', 'des', 'et', 'pour', 'le', 'la', 'de', 'du', 'sur'];
const NOISE = ['http', 'https', 'www', 'com', 'www.example.com', 'example.com', '2024', '12', 'x'];

/** A seeded picker (an LCG's high bits), the same every run. */
function picker(seed: number) {
  let state = seed >>> 0;
  return <T>(items: readonly T[]): T =>
    items[((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16) % items.length]!;
}

const EN_NOUNS = ['harbour', 'crane', 'cargo', 'vessel', 'tide', 'pier', 'master', 'dock', 'freight'];
const FR_NOUNS = ['navires', 'quais', 'marée', 'conteneurs', 'capitaine', 'dockers', 'cargaison'];

/** English sentences full of stop words, generic words, a link, numbers and a stray letter. */
function englishText(seed: number): string {
  const pick = picker(seed);
  return Array.from(
    { length: 6 },
    () =>
      `The new ${pick(EN_NOUNS)} lifts its ${pick(EN_NOUNS)} at the ${pick(EN_NOUNS)} and ` +
      `its ${pick(EN_NOUNS)} waits for the ${pick(EN_NOUNS)}; see https://www.example.com/port ` +
      `for 2024 times, x 12.`,
  ).join(' ');
}

/** French sentences, with French stop words. */
function frenchText(seed: number): string {
  const pick = picker(seed);
  return Array.from(
    { length: 6 },
    () =>
      `Les ${pick(FR_NOUNS)} du port chargent les ${pick(FR_NOUNS)} sur les ${pick(FR_NOUNS)} ` +
      `et le ${pick(FR_NOUNS)} attend la ${pick(FR_NOUNS)} pour de bon.`,
  ).join(' ');
}

/** A short text of `length` words: made-up words among English stop words, as notes are. */
function shortText(seed: number, length = 20): string {
  const pick = picker(seed);
  const own = madeUpText(seed, 4).toLowerCase().replace(/\./g, '').split(' ');
  const common = ['the', 'and', 'of', 'to', 'in', 'is', 'for', 'on'];
  return Array.from({ length }, (_, i) => (i % 3 === 1 ? pick(common) : pick(own))).join(' ');
}

/** `text` with the words at `positions` replaced by other words. */
function changed(text: string, positions: readonly number[]): string {
  const words = text.split(' ');
  for (const at of positions) words[at] = `changed${at}`;
  return words.join(' ');
}

describe('doc-analyze across a batch', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filemill-doc-batch-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Runs the processor on `text` as the worker would; returns its details and its aggregate file. */
  async function analyse(text: string) {
    const index = n++;
    const input = {
      inputPath: join(dir, `in-${index}`),
      outputPath: join(dir, `out-${index}`),
      dataPath: join(dir, `data-${index}`),
      contentType: 'text/plain',
      name: `doc-${index}.txt`,
    };
    await writeFile(input.inputPath, text);
    const result = await run(input, settings, ctx());
    const details = result.details as Record<string, any>;
    const file: AggregateFile = { index, name: input.name, details, dataPath: input.dataPath };
    return { details, file };
  }

  async function batch(texts: readonly string[], threshold = 0.8) {
    const analysed = [];
    for (const text of texts) analysed.push(await analyse(text));
    const files = analysed.map((a) => a.file);
    const result = (await aggregate(files, { duplicateThreshold: threshold }, ctx())) as Record<string, any>;
    return { analysed, files, result };
  }

  it('leaves the stop words of every language, web noise, numbers and single letters out of the terms', async () => {
    const { analysed, result } = await batch([
      englishText(1),
      englishText(2),
      englishText(3),
      frenchText(4),
      frenchText(5),
      frenchText(6),
      // Too short to tell its language: its words are still judged against the batch's.
      'Les dockers.',
    ]);
    assert.deepEqual(result.languages, { eng: 3, fra: 3, und: 1 });

    const common: string[] = result.commonTerms.map((t: { term: string }) => t.term);
    assert.ok(common.includes('harbour') || common.includes('cargo'), `English nouns: ${common}`);
    assert.ok(common.includes('quais'), `French nouns: ${common}`);
    for (const word of [...NEVER, ...NOISE]) assert.ok(!common.includes(word), `"${word}" in ${common}`);

    for (const { details } of analysed) {
      assert.ok(details.keywords.length > 0);
      for (const word of [...NEVER, ...NOISE])
        assert.ok(!details.keywords.includes(word), `"${word}" in ${details.keywords}`);
    }
    for (const row of result.files)
      for (const word of [...NEVER, ...NOISE])
        assert.ok(!row.keywords.includes(word), `"${word}" distinctive`);
  });

  it("judges every document's terms against the stop words of all the batch's languages", async () => {
    // Terms as a document whose language was guessed wrong (or an earlier version) kept them.
    const english = await analyse(englishText(21));
    const french = await analyse(frenchText(22));
    const kept = { index: 9, name: 'note.txt', details: { language: 'und' }, dataPath: join(dir, 'kept') };
    const terms = [
      ['les', 3],
      ['quais', 2],
      ['https', 2],
      ['its', 2],
      ['2024', 1],
      ['navires', 1],
    ];
    await writeFile(kept.dataPath, JSON.stringify({ terms, signature: [] }));
    const result = (await aggregate([english.file, french.file, kept], {}, ctx())) as Record<string, any>;
    const common: string[] = result.commonTerms.map((t: { term: string }) => t.term);
    assert.ok(common.includes('quais'), `${common}`);
    for (const word of ['les', 'https', 'its', '2024'])
      assert.ok(!common.includes(word), `"${word}" in ${common}`);
    assert.deepEqual(result.files[2].keywords.sort(), ['navires', 'quais']);
  });

  it('pairs two short texts that differ by two words, and not unrelated short texts', async () => {
    const original = shortText(11);
    const texts = [original, shortText(12), changed(original, [3, 14]), shortText(13), shortText(14)];
    const { files, result } = await batch(texts);
    assert.deepEqual(
      result.nearDuplicates.map((d: { names: string[] }) => d.names),
      [[files[0]!.name, files[2]!.name]],
    );
    assert.equal(result.nearDuplicates[0].similarity, 0.9, '18 of 20 words the same, in order');
  });

  it('finds exactly the planted copies in a larger batch of short and long texts', async () => {
    const texts: string[] = [];
    const planted: Array<[number, number]> = [];
    for (let i = 0; i < 60; i++) texts.push(shortText(100 + i, 12 + (i % 30)));
    for (const at of [5, 17, 42]) {
      planted.push([at, texts.length]);
      texts.push(changed(texts[at]!, [1]));
    }
    planted.push([0, texts.length]);
    texts.push(texts[0]!);
    texts.push(madeUpText(7), madeUpText(8));
    planted.push([texts.length, texts.length + 1]);
    texts.push(madeUpText(9), nearCopy(madeUpText(9)));

    const { files, result } = await batch(texts);
    const found = result.nearDuplicates.map((d: { files: number[] }) => d.files);
    const expected = planted.map(([a, b]) => [files[a]!.index, files[b]!.index]);
    assert.deepEqual(
      [...found].sort((x, y) => x[0] - y[0] || x[1] - y[1]),
      expected.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!),
    );
  });
});

describe('near-copies of short texts', () => {
  const hashes = (text: string) => wordHashes(text.split(' '))!;

  it('measures the share of words the same, in order', () => {
    const a = hashes('one two three four five six seven eight nine ten');
    assert.equal(editSimilarity(a, a, 0.8), 1);
    assert.equal(editSimilarity(a, hashes('one two THREE four five six seven eight NINE ten'), 0.8), 0.8);
    assert.equal(editSimilarity(a, hashes('one two four five six seven eight nine ten'), 0.8), 0.9);
    assert.equal(
      editSimilarity(a, hashes('ten nine eight seven six five four three two one'), 0.8),
      0,
      'past the threshold',
    );
  });

  it('compares only texts short enough, and pairs copies among many without missing one', () => {
    assert.equal(wordHashes(Array.from({ length: 201 }, (_, i) => `w${i}`)), undefined);
    const texts = Array.from({ length: 400 }, (_, i) => shortText(1000 + i, 15 + (i % 20)));
    texts.push(changed(texts[7]!, [2, 9]), changed(texts[300]!, [0]));
    const pairs = shortNearCopies(texts.map(hashes), 0.8).map(({ a, b }) => [a, b]);
    assert.deepEqual(
      pairs.sort((x, y) => x[0]! - y[0]!),
      [
        [7, 400],
        [300, 401],
      ],
    );
  });
});
