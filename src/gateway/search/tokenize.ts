// Text → index terms. Queries and tool definitions go through the same function, so a word in a request meets the
// same word in a tool name, description or parameter however either side spells its case, separators or suffixes.
import { stem } from './stem.js';

/**
 * Common English function words plus request filler ("please", "want", "help", ...). They carry no signal about
 * which tool fits, and with long natural-language queries they would otherwise add noise to every score.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing done down during each either else etc ever every few for from further ' +
    'had has have having he her here hers herself him himself his how i if in into is it its itself just let lets ' +
    'me mine more most much must my myself no nor not now of off on once one only or other our ours ourselves out ' +
    'over own per please same shall she should so some such than that the their theirs them themselves then there ' +
    'these they this those through thus to too under until up upon us very via was we were what whatever when ' +
    'where whether which while who whom whose why will with within without would yet you your yours yourself ' +
    'yourselves kindly may might need needs want wants wanted like im ive youre dont thanks ' +
    'help assist provide give tell show additionally furthermore moreover'
  ).split(' '),
);

/** One word of the source text before stemming, and the compound it starts, if it was split out of one. */
interface Word {
  text: string;
  /** The unsplit compound ("GetAllTemplates" → "getalltemplates") when this word starts one, so both forms match. */
  compound?: string;
}

// Case and letter/digit boundaries inside one alphanumeric run: "getUserID2" → get|User|ID|2, "HTMLParser" → HTML|Parser.
const SUBWORD = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

function words(text: string, segment?: (word: string) => string[] | undefined): Word[] {
  const out: Word[] = [];
  for (const run of text.match(/[A-Za-z0-9]+/g) ?? []) {
    // Fast path for the common case, a plain lower-case word or a number: nothing to split on case boundaries.
    const simple = /^(?:[a-z]+|[0-9]+)$/.test(run);
    const parts = simple
      ? (segment?.(run) ?? [run])
      : (run.match(SUBWORD) ?? [run]).flatMap((p) => {
          const lower = p.toLowerCase();
          return segment?.(lower) ?? [lower];
        });
    if (parts.length === 1) {
      out.push({ text: parts[0] as string });
      continue;
    }
    // Only letter-only compounds are kept whole: "v2" or "top50" joined again would just be a rarer duplicate.
    const compound = /^[A-Za-z]+$/.test(run) ? run.toLowerCase() : undefined;
    parts.forEach((p, i) => out.push(i === 0 && compound ? { text: p, compound } : { text: p }));
  }
  return out;
}

/** Options for {@link tokenize}; the defaults are what the ranker uses, the switches exist for the plain baseline. */
export interface TokenizeOptions {
  /** Drop {@link STOP_WORDS} (default true). */
  stopWords?: boolean;
  /** Apply the Porter stemmer (default true). */
  stem?: boolean;
  /** Split camelCase and letter/digit runs, also keeping the whole compound (default true); off = `[a-z0-9]+` only. */
  split?: boolean;
  /** Splits a run-together lower-case word into known words (see Segmenter); only used with `split`. */
  segment?: (word: string) => string[] | undefined;
}

/**
 * Lower-cased, stop-word-free, stemmed terms in text order. A compound ("GetAllTemplates") yields its whole form,
 * marked with {@link COMPOUND_MARK}, just before its parts; the mark keeps it out of phrase building.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const { stopWords = true, stem: doStem = true, split = true, segment } = options;
  const source: Word[] = split ? words(text, segment) : (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).map((t) => ({ text: t }));
  const out: string[] = [];
  for (const w of source) {
    if (w.compound) out.push(COMPOUND_MARK + (doStem ? stem(w.compound) : w.compound));
    if (stopWords && STOP_WORDS.has(w.text)) continue;
    out.push(doStem ? stem(w.text) : w.text);
  }
  return out;
}

/** Prefix that marks a compound term in token streams so phrase building can skip it; stripped by {@link terms}. */
export const COMPOUND_MARK = '\u0001';

/** The bag of terms of a token stream (compound marks removed), as used for scoring. */
export function terms(tokens: readonly string[]): string[] {
  return tokens.map((t) => (t.startsWith(COMPOUND_MARK) ? t.slice(1) : t));
}

/** Adjacent pairs of ordinary terms ("list of domains" → "list domain"); stop words are already gone, so they bridge. */
export function bigrams(tokens: readonly string[]): string[] {
  const plain = tokens.filter((t) => !t.startsWith(COMPOUND_MARK));
  const out: string[] = [];
  for (let i = 1; i < plain.length; i++) out.push(`${plain[i - 1]} ${plain[i]}`);
  return out;
}
