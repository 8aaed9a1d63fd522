// web-extract: one GET, then extraction with plain string rules (no DOM in the isolate).
//
// The regular expressions avoid ambiguous nested quantifiers (the one nested group has disjoint
// alternatives), so hostile markup cannot make them backtrack for long; the page size is capped by
// http.fetch and the CPU by the manifest's limits.

const ALLOWED_HOSTS = ['docs.example.com', 'www.example.com', 'news.example.com'];
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function fail(code, message) {
  throw Object.assign(new Error(message), { code });
}

// scheme://host[:port]/path → parts; null when it does not parse.
function parseUrl(url) {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#@\s]+)((?:[/?#][^\s]*)?)$/.exec(url);
  if (match === null) return null;
  const hostPort = match[2].toLowerCase();
  const host = hostPort.replace(/:\d+$/, '');
  return { scheme: match[1].toLowerCase(), hostPort, host, rest: match[3] };
}

function assertAllowed(url) {
  const parts = parseUrl(url);
  if (parts === null || parts.scheme !== 'https' || !ALLOWED_HOSTS.includes(parts.host) || parts.hostPort !== parts.host) {
    fail('URL_NOT_ALLOWED', `"${url.slice(0, 200)}" is not https on an allowed host`);
  }
  return parts;
}

function decode(text) {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g, (whole, name) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : whole;
  });
}

function clean(text) {
  return decode(text.replace(/<(?:[^>"']|"[^"]*"|'[^']*')*>/g, ' ')).replace(/\s+/g, ' ').trim();
}

function resolveLink(href, base) {
  const value = decode(href).trim();
  if (/^https?:\/\//i.test(value)) return value;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) return null; // javascript:, data:, mailto:, ...
  if (value.startsWith('//')) return `https:${value}`;
  if (value.startsWith('#') || value === '') return null;
  const origin = `https://${base.hostPort}`;
  if (value.startsWith('/')) return origin + value;
  const path = base.rest.replace(/[?#].*$/, '');
  const dir = path.slice(0, path.lastIndexOf('/') + 1) || '/';
  return origin + dir + value;
}

export default async function (input, ctx) {
  const maxLinks = input.maxLinks ?? 50;
  const maxTextChars = input.maxTextChars ?? 2000;
  assertAllowed(input.url);

  let response;
  try {
    response = await ctx.call('http.fetch', { url: input.url, method: 'GET', headers: { accept: 'text/html' }, responseType: 'text', timeoutMs: 15000 });
  } catch (error) {
    fail('FETCH_FAILED', `fetching the page failed (${error.code ?? 'error'})`);
  }
  const finalUrl = typeof response.url === 'string' && response.url !== '' ? response.url : input.url;
  const base = assertAllowed(finalUrl);
  if (response.status !== 200) fail('FETCH_FAILED', `the page answered ${response.status}`);
  const type = (response.headers && response.headers['content-type']) || '';
  if (!/^text\/html\b/i.test(type)) fail('NOT_HTML', `the page is "${type.slice(0, 100)}", not text/html`);
  const html = typeof response.body === 'string' ? response.body : '';

  const titleMatch = /<title\b[^>]*>([^<]*)<\/title>/i.exec(html);
  const title = titleMatch === null ? '' : clean(titleMatch[1]);

  const visible = html.replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ');
  const links = [];
  const seen = new Set();
  let truncated = false;
  for (const match of visible.matchAll(/<a\b((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)<\/a\s*>/gi)) {
    const hrefMatch = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(match[1]);
    if (hrefMatch === null) continue;
    const href = resolveLink(hrefMatch[1] ?? hrefMatch[2] ?? hrefMatch[3], base);
    if (href === null || seen.has(href)) continue;
    if (links.length >= maxLinks) {
      truncated = true;
      break;
    }
    seen.add(href);
    links.push({ href, text: clean(match[2]) });
  }

  const body = /<body\b[^>]*>([\s\S]*)<\/body\s*>/i.exec(visible);
  let text = clean(body === null ? visible.replace(/<title\b[^>]*>[^<]*<\/title>/i, ' ') : body[1]);
  if (text.length > maxTextChars) {
    text = text.slice(0, maxTextChars);
    truncated = true;
  }
  ctx.log('page extracted', { links: links.length, textChars: text.length });
  return { url: finalUrl, title, links, text, truncated };
}
