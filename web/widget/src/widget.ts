import { io, type Socket } from 'socket.io-client';
import { h, safeUrl } from './dom.ts';
import { storage } from './storage.ts';
import { styles } from './styles.ts';
import type { SiteUser, WidgetMessage, WidgetSession, WidgetSettings } from './types.ts';

// Icons are SVG of ours (set with innerHTML, never user text): emoji fonts are not on every visitor's machine.
const CHAT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
const CLIP_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5 8.6 14.4a1.5 1.5 0 0 0 2.1 2.1l7.4-7.4a3 3 0 0 0-4.2-4.2L6.5 12.3a4.5 4.5 0 0 0 6.4 6.4l6.6-6.6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>';
const icon = (el: HTMLElement, svg: string) => ((el.innerHTML = svg), el);
const TYPING_SHOWN_MS = 6000;
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`);

export interface WidgetOptions {
  server: string;
  inboxId: string;
  user?: SiteUser;
}

/** The chat bubble and window, in a shadow root of their own. */
export class ChatWidget {
  readonly #options: WidgetOptions;
  readonly #store: ReturnType<typeof storage>;
  readonly #socket: Socket;
  readonly #root: ShadowRoot;
  readonly #messages = new Map<number, WidgetMessage>();
  #session?: WidgetSession;
  #open = false;
  #typingTimer?: number;
  #lastTypingSent = 0;
  #readUpTo = 0;
  // Elements.
  readonly #style = h('style');
  readonly #badge = h('span', { class: 'badge', hidden: true });
  readonly #panel = h('div', { class: 'panel', hidden: true, role: 'dialog', 'aria-label': 'Chat' });
  readonly #title = h('div', { class: 'title' });
  readonly #status = h('div', { class: 'status' });
  readonly #log = h('div', { class: 'log', 'aria-live': 'polite' });
  readonly #typing = h('div', { class: 'typing', hidden: true }, 'Typing…');
  readonly #offline = h('div', { class: 'offline', hidden: true });
  readonly #prechat = h('form', { class: 'prechat', hidden: true });
  readonly #composer = h('form', { class: 'composer' });
  readonly #input = h('textarea', { placeholder: 'Write a message…', rows: 1, 'aria-label': 'Message' });
  readonly #file = h('input', { type: 'file', hidden: true });
  readonly #error = h('div', { class: 'error', hidden: true });

  constructor(host: HTMLElement, options: WidgetOptions) {
    this.#options = options;
    this.#store = storage(options.server, options.inboxId);
    this.#root = host.attachShadow({ mode: 'open' });
    this.#build();
    this.#socket = io(`${options.server}/widget`, {
      // A function, so every reconnect presents the newest token and what the visitor typed in the forms.
      auth: (cb) => cb({ inboxId: Number(options.inboxId), token: this.#store.read().token, user: options.user, profile: this.#store.read().profile }),
      // WebSocket only: the site's origin is not in the server's CORS list, and no cookie is ever involved.
      transports: ['websocket'],
    });
    this.#socket.on('session', (session: WidgetSession) => this.#onSession(session));
    this.#socket.on('message', (message: WidgetMessage) => this.#add(message));
    this.#socket.on('typing', () => this.#showTyping());
    this.#socket.on('presence', (p: { operatorsOnline: boolean }) => this.#setOnline(p.operatorsOnline));
    this.#socket.on('connect_error', () => this.#status.textContent = 'Connecting…');
  }

  #build(): void {
    this.#style.textContent = styles('#2563eb');
    const bubble = icon(h('button', { class: 'bubble', 'aria-label': 'Open chat', onclick: () => this.toggle() }), CHAT_ICON);
    bubble.append(this.#badge);
    const header = h('div', { class: 'head' }, h('div', { class: 'titles' }, this.#title, this.#status), h('button', { class: 'close', 'aria-label': 'Close chat', onclick: () => this.toggle(false) }, '×'));
    this.#composer.append(
      icon(h('button', { type: 'button', class: 'attach', 'aria-label': 'Attach a file', onclick: () => this.#file.click() }), CLIP_ICON),
      this.#input,
      h('button', { type: 'submit', class: 'primary' }, 'Send'),
    );
    this.#composer.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#send();
    });
    this.#input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        void this.#send();
      }
    });
    this.#input.addEventListener('input', () => {
      if (Date.now() - this.#lastTypingSent < 2000) return;
      this.#lastTypingSent = Date.now();
      this.#socket.emit('typing', { typing: true });
    });
    this.#file.addEventListener('change', () => void this.#upload());
    this.#panel.append(header, this.#log, this.#typing, this.#offline, this.#error, this.#prechat, this.#composer, this.#file);
    this.#root.append(this.#style, this.#panel, bubble);
  }

  toggle(open = !this.#open): void {
    this.#open = open;
    this.#panel.hidden = !open;
    if (open) {
      this.#markSeen();
      this.#input.focus();
    }
  }

  #onSession(session: WidgetSession): void {
    const first = !this.#session;
    this.#session = session;
    this.#store.update({ token: session.token });
    this.#applySettings(session.settings);
    if (first) this.#log.append(h('div', { class: 'note' }, session.settings.greeting));
    // Everything the server has, merged by id: after a reconnect only what was missed is added.
    for (const message of session.messages) this.#add(message, false);
    this.#setOnline(session.operatorsOnline);
    this.#renderForms();
    this.#updateBadge();
  }

  #applySettings(settings: WidgetSettings): void {
    this.#style.textContent = styles(settings.color);
    this.#title.textContent = settings.title;
    this.#input.maxLength = settings.maxMessageChars;
    this.#file.accept = settings.allowedFileTypes.join(',');
  }

  #setOnline(online: boolean): void {
    if (this.#session) this.#session.operatorsOnline = online;
    this.#status.textContent = online ? 'We are online' : 'No operator online right now';
    this.#status.classList.toggle('online', online);
    this.#renderForms();
  }

  /** The pre-chat form before the first message, or (nobody online) a request for an email to answer to. */
  #renderForms(): void {
    const session = this.#session;
    if (!session) return;
    const profile = this.#store.read().profile ?? {};
    const needsPrechat = session.preChatNeeded && !(profile.name && profile.email);
    this.#prechat.hidden = !needsPrechat;
    this.#composer.hidden = needsPrechat;
    if (needsPrechat && !this.#prechat.firstChild) {
      const name = h('input', { name: 'name', placeholder: 'Your name', required: true, maxLength: 200, value: profile.name ?? '' });
      const email = h('input', { name: 'email', type: 'email', placeholder: 'Your email', required: true, maxLength: 320, value: profile.email ?? '' });
      this.#prechat.append(h('p', {}, 'Before we start, tell us who you are.'), name, email, h('button', { type: 'submit', class: 'primary' }, 'Start chat'));
      this.#prechat.addEventListener('submit', (e) => {
        e.preventDefault();
        void this.#saveProfile({ name: name.value.trim(), email: email.value.trim() }).then((ok) => ok && this.#renderForms());
      });
    }
    const askEmail = !session.operatorsOnline && !needsPrechat && !profile.email && session.verification !== 'verified';
    this.#offline.hidden = !askEmail;
    if (askEmail && !this.#offline.firstChild) {
      const email = h('input', { type: 'email', placeholder: 'you@example.com', required: true, maxLength: 320, 'aria-label': 'Your email' });
      const form = h('form', { class: 'row' }, email, h('button', { type: 'submit', class: 'primary' }, 'Save'));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void this.#saveProfile({ email: email.value.trim() }).then((ok) => ok && this.#renderForms());
      });
      this.#offline.append(h('div', {}, 'No one is here right now. Leave your email and we will answer there.'), form);
    }
  }

  async #saveProfile(profile: { name?: string; email?: string }): Promise<boolean> {
    const answer = await this.#socket.timeout(10_000).emitWithAck('profile', profile).catch(() => ({ error: { message: 'Not connected; try again' } }));
    if (answer?.error) return this.#showError(answer.error.message), false;
    this.#store.update({ profile: { ...this.#store.read().profile, ...profile } });
    this.#showError('');
    return true;
  }

  async #send(attachments: { key: string; sig: string }[] = []): Promise<void> {
    const text = this.#input.value.trim();
    if (!text && attachments.length === 0) return;
    this.#input.value = '';
    const pending = h('div', { class: 'msg in pending' }, text || '…');
    this.#log.append(pending);
    this.#scroll();
    const answer = await this.#socket.timeout(15_000).emitWithAck('message', { clientId: newId(), text, attachments }).catch(() => ({ error: { message: 'Not sent: no connection' } }));
    pending.remove();
    if (answer?.error) {
      this.#input.value = text;
      this.#showError(answer.error.message);
      return;
    }
    this.#showError('');
    this.#add(answer.message);
  }

  async #upload(): Promise<void> {
    const file = this.#file.files?.[0];
    this.#file.value = '';
    const session = this.#session;
    if (!file || !session) return;
    if (file.size > session.settings.maxFileBytes) return this.#showError(`Files are limited to ${Math.round(session.settings.maxFileBytes / 1024 / 1024)} MB`);
    const form = new FormData();
    form.append('token', this.#store.read().token ?? '');
    form.append('file', file, file.name);
    try {
      const response = await fetch(`${this.#options.server}/api/v1/widget/${this.#options.inboxId}/uploads`, { method: 'POST', body: form });
      const body = await response.json();
      if (!response.ok) return this.#showError(body?.error?.message ?? 'Upload failed');
      await this.#send([{ key: body.key, sig: body.sig }]);
    } catch {
      this.#showError('Upload failed: no connection');
    }
  }

  /** Shows a message once, in id order, whether it came in the history, as a push or as an acknowledgement. */
  #add(message: WidgetMessage, live = true): void {
    if (this.#messages.has(message.id)) return;
    this.#messages.set(message.id, message);
    const el = h('div', { class: `msg ${message.direction === 'in' ? 'in' : 'out'}`, 'data-id': message.id }, message.text ?? '');
    for (const file of message.attachments) {
      const link = h('a', { href: safeUrl(file.url), target: '_blank', rel: 'noopener noreferrer' });
      if (/^image\/(png|jpeg|gif|webp)$/.test(file.contentType)) link.append(h('img', { src: safeUrl(file.url), alt: file.name }));
      else link.append(h('span', { class: 'file' }, file.name));
      el.append(link);
    }
    const after = [...this.#log.querySelectorAll<HTMLElement>('.msg[data-id]')].find((m) => Number(m.dataset.id) > message.id);
    this.#log.insertBefore(el, after ?? null);
    if (message.direction === 'out') this.#typing.hidden = true;
    if (live) this.#updateBadge();
    this.#scroll();
  }

  #showTyping(): void {
    this.#typing.hidden = false;
    clearTimeout(this.#typingTimer);
    this.#typingTimer = window.setTimeout(() => (this.#typing.hidden = true), TYPING_SHOWN_MS);
  }

  #markSeen(): void {
    this.#markSeenQuietly();
    this.#updateBadge();
  }

  /** Unread: operator messages newer than the last one seen with the window open (kept across reloads). */
  #updateBadge(): void {
    if (this.#open) return void this.#markSeenQuietly();
    const seen = this.#store.read().lastSeenId ?? 0;
    const unread = [...this.#messages.values()].filter((m) => m.direction === 'out' && m.id > seen).length;
    this.#badge.textContent = unread > 9 ? '9+' : String(unread);
    this.#badge.hidden = unread === 0;
  }

  /** The window shows every message: remember it for the badge, and tell operators their replies were read. */
  #markSeenQuietly(): void {
    const newest = Math.max(0, ...this.#messages.keys());
    const newestReply = Math.max(0, ...[...this.#messages.values()].filter((m) => m.direction === 'out').map((m) => m.id));
    if (newestReply > this.#readUpTo) {
      this.#readUpTo = newestReply;
      this.#socket.emit('read', { upToId: newestReply });
    }
    this.#store.update({ lastSeenId: newest });
    this.#badge.hidden = true;
  }

  #showError(message: string): void {
    this.#error.textContent = message;
    this.#error.hidden = !message;
  }

  #scroll(): void {
    this.#log.scrollTop = this.#log.scrollHeight;
  }
}
