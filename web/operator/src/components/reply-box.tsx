import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../api.ts';
import { t } from '../i18n/index.ts';
import { navigate } from '../router.ts';
import { upsertConversation, upsertMessage } from '../state/conversations.ts';
import { canned, inboxOf } from '../state/directory.ts';
import { contactChanged, sendTyping } from '../state/live.ts';
import { ChannelPicker, useReplyChannels } from './channel-picker.tsx';
import { Icon } from './icons.tsx';
import { SmsCounter } from './sms-counter.tsx';
import { TemplatePicker, type TemplateChoice } from './template-picker.tsx';
import type { CannedResponse, Conversation, Message } from '../types.ts';

interface Uploaded { key: string; name: string; size: number }

export function ReplyBox({ conversation }: { conversation: Conversation }) {
  const [text, setText] = useState('');
  const [note, setNote] = useState(false);
  const [files, setFiles] = useState<Uploaded[]>([]);
  const [uploading, setUploading] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pick, setPick] = useState(0);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const lastTyping = useRef(0);
  const channel = useReplyChannels(conversation);
  /** The inbox that refused a free-form reply (WhatsApp's 24-hour window): its templates are offered. */
  const [templatesFor, setTemplatesFor] = useState<number | null>(null);
  const sms = inboxOf(channel.inboxId)?.kind === 'sms';
  // Templates belong to the inbox that refused: choosing another channel closes them.
  useEffect(() => setTemplatesFor(null), [channel.inboxId]);

  useEffect(() => {
    setText('');
    setFiles([]);
    setError(null);
    setNote(false);
    setTemplatesFor(null);
  }, [conversation.id]);

  // "/short" at the start of the box: canned responses whose shortcut starts with what follows the slash.
  const slash = /^\/([\w-]*)$/.exec(text);
  const suggestions: CannedResponse[] = slash ? canned.value.filter((c) => c.shortCode.toLowerCase().startsWith(slash[1]!.toLowerCase())).slice(0, 8) : [];

  function useCanned(choice: CannedResponse) {
    setText(choice.content);
    setPick(0);
    input.current?.focus();
  }

  async function upload(list: FileList | File[]) {
    for (const file of Array.from(list)) {
      setUploading((u) => [...u, file.name]);
      try {
        const form = new FormData();
        form.append('file', file, file.name);
        const stored = await api<Uploaded>('POST', '/attachments', form);
        setFiles((f) => [...f, { key: stored.key, name: file.name, size: file.size }]);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setUploading((u) => u.filter((n) => n !== file.name));
      }
    }
  }

  async function send(template?: TemplateChoice) {
    if (busy || uploading.length > 0) return;
    if (!template && !text.trim() && files.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const content = template
        ? { whatsappTemplate: template }
        : { text: text.trim() ? text : undefined, attachments: files.length ? files.map((f) => ({ key: f.key })) : undefined };
      if (!note && channel.elsewhere) {
        // Another of the card's channels: the reply lands in (or opens) that inbox's conversation, shown next.
        const sent = await api<{ conversation: Conversation; message: Message }>('POST', `/contacts/${conversation.contactId}/messages`, { inboxId: channel.inboxId, ...content });
        upsertConversation({ ...sent.conversation, contact: conversation.contact });
        navigate(`/inbox/${sent.conversation.id}`);
        // The card's list of conversations (and channels) has one more now.
        contactChanged.value = { id: conversation.contactId, at: Date.now() };
      } else {
        upsertMessage(await api<Message>('POST', `/conversations/${conversation.id}/messages`, { ...content, private: note || undefined }));
      }
      setTemplatesFor(null);
      // A template goes instead of what was typed: the text stays, for when the customer writes again.
      if (!template) {
        setText('');
        setFiles([]);
      }
      sendTyping(conversation.id, false);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'REPLY_WINDOW_CLOSED') setTemplatesFor(channel.inboxId);
      else setError(errorText(e));
    } finally {
      setBusy(false);
      input.current?.focus();
    }
  }

  function onKeyDown(event: KeyboardEvent) {
    if (suggestions.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        setPick((p) => (p + (event.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        useCanned(suggestions[Math.min(pick, suggestions.length - 1)]!);
        return;
      }
      if (event.key === 'Escape') {
        setText('');
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send();
    }
  }

  function onInput(value: string) {
    setText(value);
    setPick(0);
    if (!note && Date.now() - lastTyping.current > 3000) {
      lastTyping.current = Date.now();
      sendTyping(conversation.id, true);
    }
  }

  return (
    <form
      class={`reply${note ? ' reply-note' : ''}${dragging ? ' dragging' : ''}`}
      onSubmit={(e) => { e.preventDefault(); void send(); }}
      onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => { e.preventDefault(); setDragging(false); if (e.dataTransfer?.files.length) void upload(e.dataTransfer.files); }}
    >
      <div class="reply-mode" role="radiogroup" aria-label={t('reply.mode')}>
        <button type="button" role="radio" aria-checked={!note} class={!note ? 'tab active' : 'tab'} onClick={() => setNote(false)}>{t('reply.reply')}</button>
        <button type="button" role="radio" aria-checked={note} class={note ? 'tab active' : 'tab'} onClick={() => setNote(true)}>{t('reply.note')}</button>
      </div>
      {suggestions.length > 0 && (
        <ul class="canned" role="listbox" aria-label={t('reply.canned')} id="canned-list">
          {suggestions.map((c, i) => (
            <li key={c.id} role="option" aria-selected={i === pick} class={i === pick ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); useCanned(c); }}>
              <strong>/{c.shortCode}</strong> <span class="muted">{c.content.slice(0, 80)}</span>
            </li>
          ))}
        </ul>
      )}
      {slash && suggestions.length === 0 && <p class="muted canned-none">{t('reply.noCanned')}</p>}
      <label for="reply-text" class="sr-only">{t('reply.label')}</label>
      <textarea
        id="reply-text"
        ref={input}
        rows={3}
        value={text}
        placeholder={note ? t('reply.notePlaceholder') : t('reply.placeholder')}
        aria-autocomplete="list"
        aria-controls={suggestions.length ? 'canned-list' : undefined}
        onInput={(e) => onInput(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        onPaste={(e) => { if (e.clipboardData?.files.length) { e.preventDefault(); void upload(e.clipboardData.files); } }}
      />
      {(files.length > 0 || uploading.length > 0) && (
        <ul class="reply-files">
          {files.map((f) => (
            <li key={f.key} class="pill"><Icon name="clip" size={12} /> {f.name}<button type="button" class="pill-x" aria-label={t('reply.removeFile', { name: f.name })} onClick={() => setFiles((all) => all.filter((x) => x.key !== f.key))}>×</button></li>
          ))}
          {uploading.map((name) => <li key={name} class="pill muted">{t('reply.uploading', { name })}</li>)}
        </ul>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {templatesFor !== null && !note && (
        <TemplatePicker inboxId={templatesFor} busy={busy} onSend={(choice) => void send(choice)} onCancel={() => setTemplatesFor(null)} />
      )}
      {!note && (channel.channels.length > 1 || sms) && (
        <div class="reply-meta">
          <ChannelPicker channels={channel.channels} inboxId={channel.inboxId} onChange={channel.setInboxId} />
          <span class="grow" />
          {sms && <SmsCounter text={text} />}
        </div>
      )}
      <div class="reply-bar">
        <input ref={fileInput} type="file" multiple class="sr-only" id="reply-files" tabIndex={-1} aria-label={t('reply.attach')} onChange={(e) => { if (e.currentTarget.files) void upload(e.currentTarget.files); e.currentTarget.value = ''; }} />
        <button type="button" aria-label={t('reply.attach')} title={t('reply.attach')} onClick={() => fileInput.current?.click()}><Icon name="clip" size={18} /></button>
        <span class="grow" />
        <button type="submit" class="primary" disabled={busy || uploading.length > 0 || (!text.trim() && files.length === 0)}>{note ? t('reply.addNote') : t('reply.send')}</button>
      </div>
    </form>
  );
}
