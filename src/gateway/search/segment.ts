// Splits run-together words ("getfileversions", "realtoragentlist") into words the rest of the corpus uses. Tool
// names are often slugs of CamelCase API names with the case lost, so without this "GetFileVersions" in a request, or
// "file versions", could never meet the tool. The split is a unigram language-model segmentation (the classic
// dynamic programme behind word-break / Norvig's segmenter) over the vocabulary of the tools' own prose.

/** Longest word considered for splitting; longer runs are hashes, tokens or base64 rather than compounds. */
const MAX_WORD = 40;

/** Longest piece: real words are shorter, and the bound keeps the split linear in the word's length. */
const MAX_PIECE = 20;

/** Share of identifier words a two-letter word needs before it may be a piece ("id" and "by" are, "an" is not). */
const SHORT_SHARE = 0.001;

/** Splits unknown compound words into known words; built once from the indexed tools' prose. */
export class Segmenter {
  private readonly counts = new Map<string, number>();
  private readonly shortWords = new Map<string, number>();
  private identifierWords = 0;
  private total = 0;
  private readonly memo = new Map<string, string[] | undefined>();

  /**
   * @param minCount how often a word must occur in the prose to be trusted as a piece (rarer words are often typos)
   * @param minLength shortest word that is tried for splitting
   */
  constructor(
    private readonly minCount = 3,
    private readonly minLength = 6,
  ) {}

  /** Counts the lower-case alphabetic words of a prose text into the vocabulary. */
  learn(text: string): void {
    for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
      this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
      this.total++;
    }
  }

  /**
   * Counts the stand-alone two-letter words of identifier text (names, parameter names: "get_by_id", "userId").
   * Only these may be two-letter pieces: prose is full of "an", "de", "es", "on" that would shred ordinary words
   * ("transport" → "tr an sport"), while identifiers show which short words APIs really glue together ("by", "id").
   */
  learnIdentifiers(text: string): void {
    for (const run of text.match(/[A-Za-z0-9]+/g) ?? []) {
      for (const w of run.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? []) {
        this.identifierWords++;
        if (w.length === 2) this.shortWords.set(w.toLowerCase(), (this.shortWords.get(w.toLowerCase()) ?? 0) + 1);
      }
    }
  }

  /** The pieces of `word` (two or more known words), or undefined when it is itself a known word or does not split. */
  split(word: string): string[] | undefined {
    const n = word.length;
    if (n < this.minLength || n > MAX_WORD || !/^[a-z]+$/.test(word)) return undefined;
    if ((this.counts.get(word) ?? 0) >= this.minCount) return undefined;
    if (this.memo.has(word)) return this.memo.get(word);
    const pieces = this.segment(word);
    this.memo.set(word, pieces);
    return pieces;
  }

  private segment(word: string): string[] | undefined {
    const n = word.length;
    // best[i] = lowest cost of segmenting word[0, i); cost of a piece = -log P(piece) under the prose unigram model.
    const best = new Float64Array(n + 1).fill(Infinity);
    const from = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let end = 1; end <= n; end++) {
      for (let start = Math.max(0, end - MAX_PIECE); start < end; start++) {
        if (best[start] === Infinity) continue;
        const cost = this.cost(word.slice(start, end));
        if (cost === Infinity) continue;
        const total = best[start]! + cost;
        if (total < best[end]!) {
          best[end] = total;
          from[end] = start;
        }
      }
    }
    if (best[n] === Infinity) return undefined;
    const pieces: string[] = [];
    for (let end = n; end > 0; end = from[end]!) pieces.unshift(word.slice(from[end]!, end));
    return pieces.length > 1 ? pieces : undefined;
  }

  private cost(piece: string): number {
    if (piece.length < 2) return Infinity;
    if (piece.length === 2) {
      // A two-letter piece must be real glue in this catalogue's identifiers (≥ 0.1% of their words), not a stray.
      const c = this.shortWords.get(piece) ?? 0;
      if (c < Math.max(this.minCount, SHORT_SHARE * this.identifierWords)) return Infinity;
      return -Math.log(c / this.identifierWords);
    }
    const c = this.counts.get(piece) ?? 0;
    if (c < this.minCount) return Infinity;
    return -Math.log(c / this.total);
  }
}
