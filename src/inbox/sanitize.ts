import sanitizeHtml from 'sanitize-html';

/**
 * HTML from customers is cleaned on the server before it is stored: no scripts, event handlers,
 * forms or `javascript:` URLs. Remote images are kept in `data-src` so the UI loads them only
 * when the operator asks (a tracking pixel reveals that a message was read).
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'span', 'font', 'center'],
  allowedAttributes: {
    ...sanitizeHtml.defaults.allowedAttributes,
    '*': ['style', 'align', 'dir', 'title'],
    img: ['data-src', 'alt', 'width', 'height', 'src'],
    td: ['colspan', 'rowspan', 'width'],
    th: ['colspan', 'rowspan', 'width'],
    font: ['color', 'face', 'size'],
    a: ['href', 'name', 'target', 'rel'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel', 'cid'],
  allowedSchemesByTag: { img: ['data', 'cid'] },
  transformTags: {
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      if (src && /^https?:/i.test(src)) return { tagName, attribs: { ...rest, 'data-src': src } };
      return { tagName, attribs: src ? { ...rest, src } : rest };
    },
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' } }),
  },
};

export const sanitizeCustomerHtml = (html: string): string => sanitizeHtml(html, OPTIONS);
