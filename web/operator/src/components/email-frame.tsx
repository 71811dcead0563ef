import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';

/**
 * Whether the HTML asks for anything from another server. The server's sanitiser parks remote image
 * addresses in `data-src` (see src/inbox/sanitize.ts); anything else remote is caught here too.
 */
const REMOTE = /(?:data-src|src|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\/|url\(\s*["']?\s*(?:https?:)?\/\//i;
/** Turns parked remote images back into real ones, once the operator asked for them. */
const withRemoteImages = (html: string) => html.replace(/<img\b([^>]*?)\sdata-src=/gi, '<img$1 src=');

/**
 * A customer's email HTML, shown in a sandboxed frame: no scripts (sandbox without allow-scripts), and a
 * Content-Security-Policy that lets nothing load from elsewhere. Our own files (inline images the server
 * stored) may load; remote images only after the operator asks, because they tell the sender it was read.
 */
export function EmailFrame({ html }: { html: string }) {
  const [remote, setRemote] = useState(false);
  const [height, setHeight] = useState(120);
  const frame = useRef<HTMLIFrameElement>(null);
  const wantsRemote = REMOTE.test(html);
  const images = remote ? "'self' data: https: http:" : "'self' data:";
  const policy = `default-src 'none'; img-src ${images}; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'`;
  const doc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}"><base target="_blank"><style>html,body{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1f2328;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style></head><body>${remote ? withRemoteImages(html) : html}</body></html>`;

  // Same-origin (but script-less) so we can size the frame to its content.
  const fit = () => {
    const body = frame.current?.contentDocument?.documentElement;
    if (body) setHeight(Math.min(2000, Math.max(40, body.scrollHeight + 4)));
  };
  return (
    <div class="email">
      {wantsRemote && !remote && (
        <p class="email-remote muted">
          {t('conv.remoteImages')} <button type="button" class="link" onClick={() => setRemote(true)}>{t('conv.showImages')}</button>
        </p>
      )}
      <iframe
        ref={frame}
        key={remote ? 'remote' : 'local'}
        title={t('conv.emailFrame')}
        sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
        referrerpolicy="no-referrer"
        srcdoc={doc}
        style={{ height: `${height}px` }}
        onLoad={fit}
      />
    </div>
  );
}
