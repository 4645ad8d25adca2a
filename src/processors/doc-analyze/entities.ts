/**
 * What a reader looks for first in a document from outside: addresses, links, phone numbers,
 * dates and amounts. Links and e-mail addresses by linkifyjs, phone numbers by
 * libphonenumber-js (international numbers always; national ones only in the region named
 * by the `phoneRegion` setting, since "555 0100" means nothing without one); dates and
 * amounts by patterns for the common written forms (ISO, day-month-year, English month
 * names; currency symbols and ISO codes).
 */
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';
import { find as findLinks } from 'linkifyjs';

export interface Found {
  value: string;
  count: number;
}

export interface Entities {
  emails: Found[];
  urls: Found[];
  phones: Found[];
  dates: Found[];
  money: Found[];
}

export type EntityCounts = Record<keyof Entities, number>;

/** Distinct values kept per kind (the counts cover all of them). */
const KEEP = 100;

const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DATE = new RegExp(
  [
    String.raw`\b\d{4}-\d{2}-\d{2}\b`,
    String.raw`\b\d{1,2}[./]\d{1,2}[./]\d{4}\b`,
    String.raw`\b\d{1,2}\.? (?:${MONTHS})\.? \d{4}\b`,
    String.raw`\b(?:${MONTHS})\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}\b`,
  ].join('|'),
  'giu',
);
const CURRENCY = String.raw`(?:USD|EUR|GBP|CHF|JPY|CAD|AUD|CNY|INR)`;
const AMOUNT = String.raw`\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{1,2})?`;
const MONEY = new RegExp(
  [
    String.raw`[$€£¥₹]${AMOUNT}(?:\s?(?:million|billion|[mbk])\b)?`,
    String.raw`\b${AMOUNT}\s?(?:[€£¥₹]|${CURRENCY}\b)`,
    String.raw`\b${CURRENCY}\s?${AMOUNT}`,
  ].join('|'),
  'gu',
);

class Tally {
  private readonly counts = new Map<string, number>();
  add(value: string): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }
  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
  top(): Found[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, KEEP)
      .map(([value, count]) => ({ value, count }));
  }
}

/** What was found, by kind: the most frequent distinct values, and how many occurrences in all. */
export function findEntities(
  text: string,
  phoneRegion?: string,
): { entities: Entities; counts: EntityCounts } {
  const emails = new Tally();
  const urls = new Tally();
  for (const link of findLinks(text)) {
    if (link.type === 'email') emails.add(link.value.toLowerCase());
    else if (link.type === 'url') urls.add(link.href);
  }
  const phones = new Tally();
  for (const found of findPhoneNumbersInText(text, phoneRegion as CountryCode | undefined)) {
    phones.add(found.number.number);
  }
  const dates = new Tally();
  for (const match of text.matchAll(DATE)) dates.add(match[0]);
  const money = new Tally();
  for (const match of text.matchAll(MONEY)) money.add(match[0].replace(/\s+/g, ' '));
  const tallies = { emails, urls, phones, dates, money };
  const entities = {} as Entities;
  const counts = {} as EntityCounts;
  for (const kind of Object.keys(tallies) as (keyof Entities)[]) {
    entities[kind] = tallies[kind].top();
    counts[kind] = tallies[kind].total;
  }
  return { entities, counts };
}
