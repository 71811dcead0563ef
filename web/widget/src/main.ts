import type { SiteUser } from './types.ts';
import { ChatWidget } from './widget.ts';

/**
 * Embedding: `<script src="https://crm.example/widget.js" data-inbox-id="3" async></script>`.
 * The server is wherever the script came from. A site that knows its user sets, before the script,
 * `window.crmWidgetSettings = { user: { identifier, name, email, identifierHash } }` (see README).
 */
declare global {
  interface Window {
    crmWidgetSettings?: { user?: SiteUser };
    crmWidget?: ChatWidget;
  }
}

function boot(): void {
  if (window.crmWidget) return; // Pasted twice: one widget.
  const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[data-inbox-id]');
  const inboxId = script?.dataset.inboxId;
  if (!script || !inboxId) return void console.warn('[crm-widget] add data-inbox-id="<inbox id>" to the script tag');
  // A tag of our own, not a div: the site's `div { … }` rules cannot match it, and inline `all: initial`
  // outranks its `* { … !important }` ones. Everything visible lives in the shadow root.
  const host = document.createElement('crm-chat-widget');
  host.id = 'crm-chat-widget';
  host.style.setProperty('all', 'initial', 'important');
  const start = () => {
    document.body.append(host);
    window.crmWidget = new ChatWidget(host, { server: new URL(script.src).origin, inboxId, user: window.crmWidgetSettings?.user });
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
}

boot();
