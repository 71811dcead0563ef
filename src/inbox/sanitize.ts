import sanitizeHtml from 'sanitize-html';

export interface SanitizeOptions {
  /** Where an email's inline image (`<img src="cid:…">`) is kept; unresolved `cid:` images lose their src. */
  inlineImage?: (contentId: string) => string | undefined;
  /** Leaves out quoted earlier messages (the elements marked `data-quote`), to show a reply on its own. */
  withoutQuotes?: boolean;
}

/**
 * Containers mail clients put quoted history in: Gmail (`gmail_quote`), Apple Mail and Thunderbird
 * (`<blockquote type="cite">`, `moz-cite-prefix`), Yahoo (`yahoo_quoted`), Proton (`protonmail_quote`),
 * Outlook on the web (`divRplyFwdMsg`, the "From: … Sent: …" header of the quote).
 */
const QUOTE_CLASSES = /\b(gmail_quote|gmail_quote_container|gmail_attr|moz-cite-prefix|yahoo_quoted|protonmail_quote)\b/;
const QUOTE_IDS = /^(divRplyFwdMsg|mail-editor-reference-message-container)$/;
const isQuote = (tag: string, attribs: sanitizeHtml.Attributes) =>
  (tag === 'blockquote' && attribs.type?.toLowerCase() === 'cite') || QUOTE_CLASSES.test(attribs.class ?? '') || QUOTE_IDS.test(attribs.id ?? '');

/** CSS that loads something from elsewhere (a tracking pixel as a background) or runs script in old browsers. */
const REMOTE_CSS = /url\s*\(|expression\s*\(|@import|behavior\s*:/i;

/**
 * HTML from customers is cleaned on the server before it is stored: no scripts, event handlers, forms,
 * SVG, `javascript:` URLs or CSS that loads from elsewhere. Remote images are kept in `data-src` (no `src`),
 * so the UI loads them only when the operator asks (a tracking pixel reveals that a message was read).
 * Quoted history is marked with `data-quote`, so the UI can fold it.
 */
function optionsFor(options: SanitizeOptions): sanitizeHtml.IOptions {
  return {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'span', 'font', 'center'],
    allowedAttributes: {
      ...sanitizeHtml.defaults.allowedAttributes,
      '*': ['style', 'align', 'dir', 'title', 'data-quote'],
      img: ['data-src', 'alt', 'width', 'height', 'src'],
      td: ['colspan', 'rowspan', 'width'],
      th: ['colspan', 'rowspan', 'width'],
      font: ['color', 'face', 'size'],
      a: ['href', 'name', 'target', 'rel'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['data'] },
    transformTags: {
      img: (tagName, attribs) => {
        // A `data-src` is kept only as a web address (as if it had been the src), so sanitising twice changes nothing.
        const { src, 'data-src': remote, ...rest } = attribs;
        if (src && /^https?:/i.test(src)) return { tagName, attribs: { ...rest, 'data-src': src } };
        if (!src && remote && /^https?:/i.test(remote)) return { tagName, attribs: { ...rest, 'data-src': remote } };
        if (src && /^cid:/i.test(src)) {
          const local = options.inlineImage?.(decodeURIComponent(src.slice(4)).replace(/^<|>$/g, ''));
          return { tagName, attribs: local ? { ...rest, src: local } : rest };
        }
        return { tagName, attribs: src ? { ...rest, src } : rest };
      },
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' } }),
      '*': (tagName, attribs) => {
        const rest = { ...attribs };
        if (rest.style && REMOTE_CSS.test(rest.style)) delete rest.style;
        // `data-quote` only folds text away in the reply view (the full view shows it), so a sender's own is harmless.
        return { tagName, attribs: isQuote(tagName, attribs) ? { ...rest, 'data-quote': '' } : rest };
      },
    },
    exclusiveFilter: options.withoutQuotes ? (frame) => 'data-quote' in frame.attribs : undefined,
  };
}

const DEFAULT_OPTIONS = optionsFor({});

export const sanitizeCustomerHtml = (html: string, options?: SanitizeOptions): string => sanitizeHtml(html, options ? optionsFor(options) : DEFAULT_OPTIONS);
