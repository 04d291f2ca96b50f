/**
 * Telegram's HTML subset (parse_mode "HTML"): tags such as <b>, <i>, <a href>, <code>, <pre>; every
 * <, > and & that is not markup must be an entity; the named entities Telegram knows are &lt; &gt;
 * &amp; &quot;, plus all numeric ones. A message may hold 4096 characters after entity parsing.
 */

export const TELEGRAM_TEXT_LIMIT = 4096;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escape dynamic text for Telegram HTML, in element content and in double-quoted attribute values. */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);
}

const TAG = /<(\/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>/y;
const ENTITY = /&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z]+);/y;

type Token =
  { kind: 'tag'; closing: boolean; name: string; end: number } | { kind: 'text'; end: number; size: number };

/** The token at `i`: a whole tag, a whole entity (one character), or one code point (1 or 2 UTF-16 units). */
function tokenAt(html: string, i: number): Token {
  if (html[i] === '<') {
    TAG.lastIndex = i;
    const m = TAG.exec(html);
    if (m)
      return { kind: 'tag', closing: m[1] === '/', name: (m[2] ?? '').toLowerCase(), end: TAG.lastIndex };
  } else if (html[i] === '&') {
    ENTITY.lastIndex = i;
    if (ENTITY.exec(html)) return { kind: 'text', end: ENTITY.lastIndex, size: 1 };
  }
  const cp = html.codePointAt(i) ?? 0;
  const units = cp > 0xffff ? 2 : 1;
  return { kind: 'text', end: i + units, size: units };
}

/** Characters Telegram counts once the markup is parsed (UTF-16 code units, as its entity offsets are). */
export function telegramTextLength(html: string): number {
  let n = 0;
  for (let i = 0; i < html.length;) {
    const t = tokenAt(html, i);
    if (t.kind === 'text') n += t.size;
    i = t.end;
  }
  return n;
}

/**
 * Cut Telegram HTML to at most `limit` visible characters, never inside a tag, an entity or a surrogate
 * pair, end it with "…" and close the tags still open. Short enough input is returned unchanged.
 */
export function truncateTelegramHtml(html: string, limit: number = TELEGRAM_TEXT_LIMIT): string {
  if (telegramTextLength(html) <= limit) return html;
  const budget = limit - 1; // room for the ellipsis
  const open: string[] = [];
  let used = 0;
  let i = 0;
  while (i < html.length) {
    const t = tokenAt(html, i);
    if (t.kind === 'text') {
      if (used + t.size > budget) break;
      used += t.size;
    } else if (t.closing) {
      const at = open.lastIndexOf(t.name);
      if (at >= 0) open.splice(at);
    } else {
      open.push(t.name);
    }
    i = t.end;
  }
  const closing = open
    .reverse()
    .map((name) => `</${name}>`)
    .join('');
  return `${html.slice(0, i)}…${closing}`;
}
