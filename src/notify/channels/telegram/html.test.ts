import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeTelegramHtml, telegramTextLength, truncateTelegramHtml } from './html.js';

/** What Telegram shows: tags removed, the entities it supports decoded. Independent of html.ts. */
function visible(html: string): string {
  return html
    .replace(/<[^<>]*>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(lt|gt|quot|amp);/g, (_, n: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[n] ?? '');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every < starts a whole tag, every & a whole entity, tags nest properly, no half surrogate pair. */
function wellFormed(html: string): boolean {
  if (LONE_SURROGATE.test(html)) return false;
  const stack: string[] = [];
  const token = /<(\/?)([a-z-]+)(?: [^<>]*)?>|&(?:#\d+|#x[0-9a-f]+|[a-z]+);|[<>&]/gi;
  for (const m of html.matchAll(token)) {
    if (m[0] === '<' || m[0] === '>' || m[0] === '&') return false;
    if (!m[2]) continue;
    if (m[1] === '/') {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]);
  }
  return stack.length === 0;
}

const dynamicText = fc.string({ unit: 'binary', maxLength: 24 }).map(escapeTelegramHtml);
const { node: telegramHtml } = fc.letrec<{ node: string; element: string }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, dynamicText, tie('element')),
  element: fc
    .record({
      tag: fc.constantFrom('b', 'i', 'u', 's', 'code', 'pre', 'a', 'tg-spoiler'),
      children: fc.array(tie('node'), { maxLength: 4 }),
    })
    .map(({ tag, children }) =>
      tag === 'a'
        ? `<a href="https://app.test/alerts?id=1&amp;t=2">${children.join('')}</a>`
        : `<${tag}>${children.join('')}</${tag}>`,
    ),
}));

describe('escapeTelegramHtml', () => {
  it('escapes the characters Telegram treats as markup', () => {
    expect(escapeTelegramHtml('a < b && c > "d"')).toBe('a &lt; b &amp;&amp; c &gt; &quot;d&quot;');
    expect(escapeTelegramHtml('<b>not bold</b> &amp;')).toBe('&lt;b&gt;not bold&lt;/b&gt; &amp;amp;');
  });

  it('leaves no markup behind and shows exactly the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const escaped = escapeTelegramHtml(s);
        expect(escaped).not.toMatch(/[<>"]/);
        expect(escaped.replace(/&(amp|lt|gt|quot);/g, '')).not.toContain('&');
        expect(visible(escaped)).toBe(s);
        expect(telegramTextLength(escaped)).toBe(s.length);
      }),
    );
  });
});

describe('telegramTextLength', () => {
  it('counts what is shown, in UTF-16 units', () => {
    expect(telegramTextLength('<b>a&amp;b</b>')).toBe(3);
    expect(telegramTextLength('<a href="https://x.test/?a=1&amp;b=2">link</a>')).toBe(4);
    expect(telegramTextLength('🔥&#128293;')).toBe(3);
  });
});

describe('truncateTelegramHtml', () => {
  it('returns short messages unchanged', () => {
    expect(truncateTelegramHtml('<b>ok</b>', 2)).toBe('<b>ok</b>');
  });

  it('cuts between tokens, ends with … and closes the open tags', () => {
    expect(truncateTelegramHtml('<b>Boiler</b> <i>at <code>97 &lt; 100</code></i>', 10)).toBe(
      '<b>Boiler</b> <i>at…</i>',
    );
    expect(truncateTelegramHtml('<pre><code class="language-json">{"a": 1}</code></pre>', 4)).toBe(
      '<pre><code class="language-json">{"a…</code></pre>',
    );
    expect(truncateTelegramHtml('x &amp;&amp;&amp; y', 3)).toBe('x …');
    expect(truncateTelegramHtml('🔥🔥🔥', 4)).toBe('🔥…');
  });

  it('keeps the 4096-character default limit', () => {
    const long = `<b>${'a'.repeat(5000)}</b>`;
    const cut = truncateTelegramHtml(long);
    expect(telegramTextLength(cut)).toBe(4096);
    expect(cut.endsWith('…</b>')).toBe(true);
  });

  it('any Telegram HTML: fits the limit, stays well formed, shows a prefix of the original', () => {
    fc.assert(
      fc.property(
        fc.array(telegramHtml, { maxLength: 6 }),
        fc.integer({ min: 1, max: 80 }),
        (parts, limit) => {
          const html = parts.join('\n');
          const out = truncateTelegramHtml(html, limit);
          expect(telegramTextLength(out)).toBeLessThanOrEqual(limit);
          expect(wellFormed(out)).toBe(true);
          if (telegramTextLength(html) <= limit) {
            expect(out).toBe(html);
          } else {
            expect(visible(out).endsWith('…')).toBe(true);
            expect(visible(html).startsWith(visible(out).slice(0, -1))).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any text at all: never splits a surrogate pair and never exceeds the limit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (s, limit) => {
          const out = truncateTelegramHtml(s, limit);
          expect(telegramTextLength(out)).toBeLessThanOrEqual(limit);
          if (!LONE_SURROGATE.test(s)) expect(LONE_SURROGATE.test(out)).toBe(false);
        },
      ),
    );
  });
});
