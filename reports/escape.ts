/**
 * Escaping for every string that reaches a report. Reports carry untrusted text (monitor state strings, stderr,
 * config files), so nothing is interpolated raw anywhere.
 */

/*
 * XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF even when escaped; a crashed monitor's
 * stderr can hold any byte, so they are replaced rather than escaped.
 */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripInvalidXmlChars(text: string): string {
  return text.replace(XML_INVALID, '\uFFFD');
}

/** Text or attribute value in HTML, SVG or XML. */
export function escapeXml(value: string | number | boolean): string {
  return stripInvalidXmlChars(String(value))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const escapeHtml = escapeXml;

/**
 * Inline Markdown text (also inside a table cell). GitHub renders raw HTML in comments, so `<` and `&` are
 * escaped as entities; Markdown punctuation gets a backslash; newlines would end a table row.
 */
export function escapeMarkdown(value: string | number): string {
  return stripInvalidXmlChars(String(value))
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#~!])/g, '\\$1');
}

/** An inline code span that no content can break out of (backticks inside are fenced by a longer run). */
export function markdownCode(value: string | number): string {
  const text = stripInvalidXmlChars(String(value)).replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|');
  let fence = '`';
  while (text.includes(fence)) fence += '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
