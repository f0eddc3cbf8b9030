// BM25F (Robertson, Zaragoza & Taylor 2004): term frequencies from several fields are length-normalised per field,
// weighted, summed into one pseudo-frequency and only then saturated. Saturating once (rather than adding per-field
// BM25 scores) keeps a word repeated across name and description from counting twice as if it were two words.
//
// Everything that depends only on the documents is computed at build time: a posting holds the saturated
// per-document weight, so a query costs one multiply-add per (query term, matching document).

/** Per-field parameters of {@link Bm25fIndex}, indexed like the field arrays of each document. */
export interface Bm25fParams {
  /** Term-frequency saturation: higher lets repeated words keep adding score for longer. */
  k1: number;
  /** Field weights: how many plain occurrences one occurrence in this field is worth. */
  weights: readonly number[];
  /** Length normalisation per field, 0 (none) to 1 (full). */
  b: readonly number[];
}

/** A document as term lists per field; `lengths` (per field) defaults to the list lengths. */
export interface Bm25fDoc {
  fields: readonly (readonly string[])[];
  lengths?: readonly number[];
}

/** An immutable BM25F index over documents numbered 0..n-1. */
export class Bm25fIndex {
  readonly size: number;
  // Postings in compressed-sparse-row form: term id t owns entries offsets[t] .. offsets[t+1] of docs/weights.
  // Flat typed arrays instead of one small array per term keep a build of ~100k distinct terms allocation-light.
  private readonly ids = new Map<string, number>();
  private readonly offsets: Int32Array;
  private readonly docs: Int32Array;
  private readonly weights: Float32Array;
  private readonly idfs: Float64Array;

  constructor(docs: readonly Bm25fDoc[], params: Bm25fParams) {
    this.size = docs.length;
    const nFields = params.weights.length;
    const avg = new Array<number>(nFields).fill(0);
    for (const d of docs) for (let f = 0; f < nFields; f++) avg[f]! += docLength(d, f);
    for (let f = 0; f < nFields; f++) avg[f] = docs.length > 0 ? avg[f]! / docs.length || 1 : 1;

    // Pass 1: one (term, doc, saturated weight) entry per distinct term of each document, in document order.
    const entryTerm: number[] = [];
    const entryDoc: number[] = [];
    const entryWeight: number[] = [];
    const df: number[] = [];
    const pseudo = new Map<number, number>();
    docs.forEach((d, doc) => {
      pseudo.clear();
      for (let f = 0; f < nFields; f++) {
        const w = params.weights[f] ?? 0;
        const terms = d.fields[f];
        if (w === 0 || !terms) continue;
        const b = params.b[f] ?? 0;
        const add = w / (1 - b + (b * docLength(d, f)) / avg[f]!);
        for (const t of terms) {
          let id = this.ids.get(t);
          if (id === undefined) {
            this.ids.set(t, (id = df.length));
            df.push(0);
          }
          pseudo.set(id, (pseudo.get(id) ?? 0) + add);
        }
      }
      for (const [id, tf] of pseudo) {
        entryTerm.push(id);
        entryDoc.push(doc);
        entryWeight.push(tf / (params.k1 + tf));
        df[id]!++;
      }
    });

    // Pass 2: counting sort of the entries by term into the CSR arrays (documents stay ascending within a term).
    const nTerms = df.length;
    this.offsets = new Int32Array(nTerms + 1);
    for (let t = 0; t < nTerms; t++) this.offsets[t + 1] = this.offsets[t]! + df[t]!;
    this.docs = new Int32Array(entryDoc.length);
    this.weights = new Float32Array(entryDoc.length);
    const next = this.offsets.slice(0, nTerms);
    for (let e = 0; e < entryDoc.length; e++) {
      const at = next[entryTerm[e]!]!++;
      this.docs[at] = entryDoc[e]!;
      this.weights[at] = entryWeight[e]!;
    }
    const n = docs.length;
    // The "+1" form of the Robertson-Spärck Jones idf: never negative, even for a term in most documents.
    this.idfs = Float64Array.from(df, (d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)));
  }

  /** Inverse document frequency of a term (0 when no document has it). */
  idf(term: string): number {
    const id = this.ids.get(term);
    return id === undefined ? 0 : this.idfs[id]!;
  }

  /** Adds `boost × idf × saturated tf` of each term to `scores[doc]`; `query` maps term → boost. */
  accumulate(query: ReadonlyMap<string, number>, scores: Float64Array): void {
    for (const [term, boost] of query) {
      const id = this.ids.get(term);
      if (id === undefined) continue;
      const q = boost * this.idfs[id]!;
      for (let i = this.offsets[id]!, end = this.offsets[id + 1]!; i < end; i++) {
        scores[this.docs[i]!]! += q * this.weights[i]!;
      }
    }
  }

  /**
   * Per (document slot, query term) the saturated term weight in [0, 1), for the documents with `slotOf[doc] >= 0`:
   * row-major `slots × terms.length`. Lets a re-ranker see which query words each candidate explains.
   */
  termMatrix(terms: readonly string[], slotOf: Int32Array, slots: number): Float32Array {
    const out = new Float32Array(slots * terms.length);
    terms.forEach((term, t) => {
      const id = this.ids.get(term);
      if (id === undefined) return;
      for (let i = this.offsets[id]!, end = this.offsets[id + 1]!; i < end; i++) {
        const slot = slotOf[this.docs[i]!]!;
        if (slot >= 0) out[slot * terms.length + t] = this.weights[i]!;
      }
    });
    return out;
  }
}

function docLength(d: Bm25fDoc, f: number): number {
  return d.lengths?.[f] ?? d.fields[f]?.length ?? 0;
}
