/* The site's search worker: the theme's own worker (Material for MkDocs, lunr), loaded as it is,
 * with the reading of a query and the order of the results changed around it.
 *
 * docs/hooks/search_worker.py points each page at this file, with the theme's worker as
 * ?material=search.<hash>.min.js. The messages in and out keep the theme's format (SETUP, READY,
 * QUERY, RESULT); the index, the highlighting and the rendering stay the theme's.
 *
 * 1. A query is read the way the index was written. At build time jieba cut the Chinese text into
 *    words; the index's Chinese tokens are those words, so a Chinese run of the query is looked
 *    up as the tokens that can spell it (see candidates()), and it must appear as typed: lunr has
 *    no phrase query, so results whose text lacks it are dropped, and only the occurrences of the
 *    whole run stay highlighted. Every English word is required, as a word (the last one may be a
 *    start, as while typing). The theme instead cut 去量化 into the prefixes 去* and 量* of any
 *    token and listed every document holding either; it let every English word be a start
 *    (log-det found "logit") and needed only one of them.
 * 2. Results are ranked by where the query is: pages whose title holds it, then pages with a
 *    heading that holds it, then the rest; within each, by the summed score of the page's matching
 *    sections (the theme's: a heading match counts a thousand times a word of text; the index's
 *    per-page boost applies). A page boosted below 1 (the notebooks and the reference pages,
 *    companions of the lessons: docs/hooks/search_cache.py) counts its title as a heading.
 * Queries with lunr syntax (+word, -word, field:, word~1, word^2, "...", *) go to the theme as
 * they are.
 */
"use strict";

(() => {
  const SETUP = 0;
  const QUERY = 2;
  const RESULT = 3;
  const HAN = /\p{sc=Han}/u;
  const SYNTAX = /(^|\s)[+-]|[:~^*"]/;

  /* The theme's worker, whose message handler is kept to be called from ours */
  const here = new URL(self.location.href);
  const name = here.searchParams.get("material");
  if (!name || !/^search\.[0-9a-f]+\.min\.js$/.test(name))
    throw new Error(`search-worker.js: expected ?material=search.<hash>.min.js (the theme's worker), got ${name}`);
  let theme = null;
  const listen = self.addEventListener;
  self.addEventListener = function (type, fn, options) {
    if (type === "message" && theme === null) theme = fn;
    else listen.call(this, type, fn, options);
  };
  try {
    importScripts(new URL(`../javascripts/workers/${name}`, here).href);
  } finally {
    self.addEventListener = listen;
  }
  const lunr = self.lunr;
  if (theme === null || !lunr || !lunr.Index)
    throw new Error(`search-worker.js: ${name} no longer sets up lunr and a message handler as expected`);

  let separator = /[\s\u200b-]+/;
  let stopWords = false; // whether the index left lunr's stop words out
  let docs = new Map(); // location -> {title, words (of the title), text, boost}: plain, lowercase
  let vocabulary = null; // the index's Chinese tokens, and every start of one
  let active = null; // the query being answered

  const plain = (html, lower = true) => {
    const text = html.replace(/<[^>]*>/g, "").replace(/\u200b/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    return lower ? text.toLowerCase() : text;
  };

  function setup({ config, docs: entries }) {
    separator = new RegExp(config.separator);
    stopWords = (config.pipeline ?? []).includes("stopWordFilter");
    docs = new Map();
    for (const doc of entries)
      docs.set(doc.location, {
        title: plain(doc.title),
        words: plain(doc.title, false).split(separator).filter(Boolean).map(w => w.toLowerCase()), // as lunr
        text: plain(`${doc.title} ${doc.text}`),
        boost: doc.boost ?? 1,
      });
    vocabulary = null;
  }

  /* The query's words: [{han, text}], split as the index was (its separator, then Chinese runs) */
  function parse(raw) {
    if (SYNTAX.test(raw)) return null;
    const words = [];
    for (const token of raw.trim().split(separator))
      for (const piece of (token || "").split(/(\p{sc=Han}+)/u))
        if (piece) words.push({ han: HAN.test(piece), text: piece.toLowerCase() });
    return words.length ? { raw, words } : null;
  }

  function vocabularyOf(index) {
    const words = new Set();
    const starts = new Set();
    let longest = 1;
    for (const token of Object.keys(index.invertedIndex))
      if (HAN.test(token)) {
        words.add(token);
        longest = Math.max(longest, token.length);
        for (let i = 1; i <= token.length; i++) starts.add(token.slice(0, i));
      }
    return { words, starts, longest };
  }

  /* A Chinese run cut into the fewest tokens of the index: [{text, known, start}] (a character
     the index lacks stays alone and unknown; with `open`, the run may end in the start of a token) */
  function segment(run, open, whole = true) {
    const { words, starts, longest } = vocabulary;
    const best = [{ cost: 0, parts: [] }];
    for (let i = 0; i < run.length; i++) {
      if (!best[i]) continue;
      for (let j = i + 1; j <= Math.min(run.length, i + longest); j++) {
        const text = run.slice(i, j);
        const known = words.has(text) && (whole || j - i < run.length);
        const start = !known && open && j === run.length && starts.has(text) && (whole || j - i < run.length);
        if (!known && !start && j > i + 1) continue;
        const cost = best[i].cost + (known || start ? 1 : 1000);
        if (!best[j] || cost < best[j].cost) best[j] = { cost, parts: [...best[i].parts, { text, known, start }] };
      }
    }
    return best[run.length].parts;
  }

  /* The tokens that may stand for a Chinese run in the index: jieba cuts by context, so 最大似然 is
     one token in one sentence and 最大 似然 in another. The run's cut into the fewest tokens, the
     finer cut of each of its tokens of three or more characters, and the tokens that hold the
     whole run. term -> whether it stands for any token it starts (the run is being typed). */
  function candidates(run, open) {
    const out = new Map();
    const add = (text, open_, whole) => {
      const parts = segment(text, open_, whole);
      if (!whole && (parts.length < 2 || parts.some(p => !p.known && !p.start))) return;
      parts.forEach((part, i) => {
        if (part.known || part.start) out.set(part.text, part.start || out.get(part.text) || false);
        if (part.text.length >= 3) add(part.text, open_ && i === parts.length - 1, false);
      });
    };
    add(run, open, true);
    for (const word of vocabulary.words) if (word.length > run.length && word.includes(run)) out.set(word, false);
    return out;
  }

  /* Keep the highlights of a Chinese run where the whole run stands: tokens in a row that spell it */
  function wholeOccurrences(metadata, phrase) {
    const terms = Object.keys(metadata).filter(phrase.stands);
    const fields = new Set(terms.flatMap(term => Object.keys(metadata[term])));
    for (const field of fields) {
      const at = new Map();
      for (const term of terms) for (const p of metadata[term][field]?.position ?? []) at.set(p, term);
      const keep = new Set();
      for (const [p, first] of at) {
        let text = "";
        for (let q = p; at.has(q) && text.length < phrase.text.length + first.length; q++) {
          text += at.get(q);
          const i = text.indexOf(phrase.text);
          if (i >= 0) {
            if (i < first.length) for (let k = p; k <= q; k++) keep.add(k);
            break;
          }
        }
      }
      for (const term of terms)
        if (metadata[term][field])
          metadata[term][field].position = metadata[term][field].position.filter(p => keep.has(p));
    }
  }

  function search(index, query) {
    vocabulary ??= vocabularyOf(index);
    const clauses = [];
    const phrases = [];
    query.terms = []; // the words looked up (not the stop words), for the page's highlighting
    query.words.forEach((word, k) => {
      const open = k === query.words.length - 1; // the word being typed: may be a start
      if (word.han) {
        query.terms.push(word.text);
        const terms = candidates(word.text, open);
        const stands = term => terms.get(term) === false || [...terms].some(([t, start]) => start && term.startsWith(t));
        phrases.push({ text: word.text, stands });
        for (const [term, start] of terms) clauses.push({ term, wildcard: start, required: false });
      } else {
        if (stopWords && !lunr.stopWordFilter(new lunr.Token(word.text))) return; // not in the index
        const [term] = index.pipeline.runString(word.text);
        if (!term) return;
        clauses.push({ term, wildcard: open, required: true }); // "flow" finds "flows" while typed
        query.terms.push(word.text);
      }
    });
    query.phrases = phrases;
    if (!clauses.length) return [];
    return index
      .query(q => {
        for (const { term, wildcard, required } of clauses)
          q.term(term, {
            usePipeline: false,
            presence: required ? lunr.Query.presence.REQUIRED : lunr.Query.presence.OPTIONAL,
            wildcard: wildcard ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE,
          });
      })
      .filter(({ ref }) => phrases.every(p => (docs.get(ref)?.text ?? "").includes(p.text)))
      .map(result => {
        for (const phrase of phrases) wholeOccurrences(result.matchData.metadata, phrase);
        return result;
      });
  }

  /* The theme's result groups (one per page), reordered by where the query stands */
  function rank(groups, query) {
    const holds = doc =>
      !!doc && query.terms.every(t => (HAN.test(t) ? doc.title.includes(t) : doc.words.some(w => w.startsWith(t))));
    const keyed = groups.map((items, order) => {
      const page = items.find(item => !item.location.includes("#")) ?? items[0];
      const info = docs.get(page.location);
      const scored = items.filter(item => item.score > 0);
      let tier = scored.some(item => item !== page && holds(docs.get(item.location))) ? 2 : 1;
      if (holds(info)) tier = info.boost < 1 ? 2 : 3;
      const terms = Object.fromEntries(query.terms.map(t => [t, true])); // all are required
      for (const item of scored) item.terms = terms;
      return { items, tier, total: scored.reduce((sum, item) => sum + item.score, 0), order };
    });
    keyed.sort((a, b) => b.tier - a.tier || b.total - a.total || a.order - b.order);
    return keyed.map(k => k.items);
  }

  const searchLunr = lunr.Index.prototype.search;
  lunr.Index.prototype.search = function (queryString) {
    return active ? search(this, active) : searchLunr.call(this, queryString);
  };

  const post = self.postMessage.bind(self);
  self.postMessage = message => {
    if (message && message.type === RESULT && active) {
      const query = active;
      active = null;
      if (query.phrases) message = { ...message, data: { ...message.data, items: rank(message.data.items, query) } };
    }
    post(message);
  };

  listen.call(self, "message", event => {
    const message = event.data;
    if (message.type === SETUP) setup(message.data);
    active = message.type === QUERY ? parse(String(message.data)) : null;
    theme({ data: message });
  });
})();
