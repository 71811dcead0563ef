import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../api.ts';
import { initials, whenShort } from '../format.ts';
import { t } from '../i18n/index.ts';
import { navigate } from '../router.ts';
import { inboxOf, operatorName, rememberContacts } from '../state/directory.ts';
import { contactChanged } from '../state/live.ts';
import type { Contact, Conversation, Note, Page } from '../types.ts';
import { ChannelIcon } from './channel-icon.tsx';

/** The client card beside a conversation (and on the contacts page): everything we know, editable. */
export function ContactPanel({ contactId, conversationId }: { contactId: number; conversationId?: number }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [notes, setNotes] = useState<Note[]>([]);
  const [history, setHistory] = useState<Conversation[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  async function load() {
    setError(null);
    try {
      const [card, cardNotes, conversations] = await Promise.all([
        api<Contact>('GET', `/contacts/${contactId}`),
        api<Note[]>('GET', `/contacts/${contactId}/notes`),
        api<Page<Conversation>>('GET', `/contacts/${contactId}/conversations?limit=20`).catch(() => ({ items: [], nextCursor: null })),
      ]);
      setContact(card);
      setNotes(cardNotes);
      setHistory(conversations.items);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => {
    setContact(null);
    void load();
  }, [contactId]);
  const changed = contactChanged.value;
  useEffect(() => {
    if (changed?.id === contactId) void load();
  }, [changed?.at]);

  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      setSaved(true);
      setTimeout(() => setSaved(false), 1500);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const patch = (change: Partial<Contact>) => run(async () => {
    const next = await api<Contact>('PATCH', `/contacts/${contactId}`, change);
    setContact(next);
    rememberContacts([{ id: next.id, name: next.name }]);
  });

  if (!contact) {
    return (
      <aside class="panel" aria-label={t('card.title')}>
        {error ? <p class="error" role="alert">{error} <button type="button" class="link" onClick={() => void load()}>{t('common.retry')}</button></p> : <p class="muted center">{t('common.loading')}</p>}
      </aside>
    );
  }
  const name = contact.name ?? t('card.unnamed');
  return (
    <aside class="panel" aria-label={t('card.title')}>
      <header class="card-head">
        {contact.avatarUrl ? <img class="avatar big" src={contact.avatarUrl} alt="" referrerpolicy="no-referrer" /> : <span class="avatar big" aria-hidden="true">{initials(name)}</span>}
        <EditableText label={t('card.name')} value={contact.name ?? ''} placeholder={t('card.unnamed')} onSave={(value) => patch({ name: value || null })} />
        {saved && <span class="muted" role="status">{t('common.saved')}</span>}
      </header>
      {error && <p class="error" role="alert">{error}</p>}

      <Section title={t('card.identities')}>
        <ul class="plain">
          {contact.identities.map((i) => (
            <li key={i.id} class="identity">
              <ChannelIcon kind={i.kind} /> <span class="muted">{i.kind}</span> <span class="value">{i.value}</span>
              <button type="button" class="pill-x" aria-label={`${t('common.delete')} ${i.kind} ${i.value}`} onClick={() => run(async () => { await api('DELETE', `/contacts/${contactId}/identities/${i.id}`); await load(); })}>×</button>
            </li>
          ))}
        </ul>
        <PairForm keyLabel={t('card.identityKind')} valueLabel={t('card.identityValue')} keyList={['phone', 'email']} submit={t('card.addIdentity')} onAdd={(kind, value) => run(async () => { await api('POST', `/contacts/${contactId}/identities`, { kind, value }); await load(); })} />
      </Section>

      <Section title={t('card.tags')}>
        <div class="labels">
          {contact.tags.map((tag) => (
            <span key={tag} class="pill">{tag}<button type="button" class="pill-x" aria-label={t('card.removeTag', { tag })} onClick={() => run(async () => setContact(await api<Contact>('PUT', `/contacts/${contactId}/tags`, { tags: contact.tags.filter((x) => x !== tag) })))}>×</button></span>
          ))}
          <OneField label={t('card.addTag')} onAdd={(tag) => run(async () => setContact(await api<Contact>('PUT', `/contacts/${contactId}/tags`, { tags: [...new Set([...contact.tags, tag])] })))} />
        </div>
      </Section>

      <Section title={t('card.fields')}>
        <dl class="fields">
          {Object.entries(contact.customFields ?? {}).map(([key, value]) => (
            <div key={key} class="field-row">
              <dt>{key}</dt>
              <dd><EditableText label={key} value={value === null || value === undefined ? '' : String(value)} onSave={(v) => patch({ customFields: { ...contact.customFields, [key]: v } })} /></dd>
            </div>
          ))}
        </dl>
        <PairForm keyLabel={t('card.fieldKey')} valueLabel={t('card.fieldValue')} submit={t('card.addField')} onAdd={(key, value) => patch({ customFields: { ...contact.customFields, [key]: value } })} />
      </Section>

      <Section title={t('card.notes')}>
        <ul class="plain notes">
          {notes.map((n) => <li key={n.id}><p>{n.body}</p><span class="muted">{operatorName(n.authorId) ?? ''} · {whenShort(n.createdAt)}</span></li>)}
        </ul>
        <OneField label={t('card.addNote')} multiline onAdd={(body) => run(async () => { const note = await api<Note>('POST', `/contacts/${contactId}/notes`, { body }); setNotes((all) => [...all, note]); })} />
      </Section>

      <Section title={t('card.previous')}>
        <ul class="plain">
          {history.map((c) => (
            <li key={c.id}>
              <a href={`#/inbox/${c.id}`} onClick={(e) => { e.preventDefault(); navigate(`/inbox/${c.id}`); }}>
                <ChannelIcon kind={inboxOf(c.inboxId)?.kind} /> {inboxOf(c.inboxId)?.name ?? `#${c.inboxId}`} · {t(`status.${c.status}`)} · {whenShort(c.lastActivityAt)} {c.id === conversationId && <span class="muted">{t('card.current')}</span>}
              </a>
              <div class="muted ellipsis">{c.lastMessagePreview}</div>
            </li>
          ))}
        </ul>
      </Section>

      <Merge contact={contact} onMerged={() => void load()} />
    </aside>
  );
}

function Section({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <section class="card-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

export function EditableText({ label, value, placeholder, onSave }: { label: string; value: string; placeholder?: string; onSave: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => { if (draft.trim() !== value) onSave(draft.trim()); };
  return (
    <input class="editable" aria-label={label} value={draft} placeholder={placeholder} onInput={(e) => setDraft(e.currentTarget.value)} onBlur={commit} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); commit(); } if (e.key === 'Escape') setDraft(value); }} />
  );
}

function OneField({ label, onAdd, multiline }: { label: string; onAdd: (value: string) => void; multiline?: boolean }) {
  const [value, setValue] = useState('');
  const submit = (e: Event) => { e.preventDefault(); if (value.trim()) { onAdd(value.trim()); setValue(''); } };
  return (
    <form class="inline" onSubmit={submit}>
      {multiline
        ? <textarea aria-label={label} placeholder={label} rows={2} value={value} onInput={(e) => setValue(e.currentTarget.value)} onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) submit(e); }} />
        : <input aria-label={label} placeholder={label} value={value} onInput={(e) => setValue(e.currentTarget.value)} />}
    </form>
  );
}

function PairForm({ keyLabel, valueLabel, submit, onAdd, keyList }: { keyLabel: string; valueLabel: string; submit: string; onAdd: (key: string, value: string) => void; keyList?: string[] }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const id = `pair-${keyLabel}`;
  return (
    <form class="pair" onSubmit={(e) => { e.preventDefault(); if (key.trim() && value.trim()) { onAdd(key.trim(), value.trim()); setKey(''); setValue(''); } }}>
      <input aria-label={keyLabel} placeholder={keyLabel} value={key} list={keyList ? id : undefined} onInput={(e) => setKey(e.currentTarget.value)} />
      {keyList && <datalist id={id}>{keyList.map((k) => <option key={k} value={k} />)}</datalist>}
      <input aria-label={valueLabel} placeholder={valueLabel} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      <button type="submit">{submit}</button>
    </form>
  );
}

function Merge({ contact, onMerged }: { contact: Contact; onMerged: () => void }) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[]>([]);
  const [chosen, setChosen] = useState<Contact | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open || q.trim().length < 2) return setFound([]);
    const timer = setTimeout(() => api<Page<Contact>>('GET', `/contacts${query({ q, limit: 8 })}`).then((p) => setFound(p.items.filter((c) => c.id !== contact.id)), () => {}), 250);
    return () => clearTimeout(timer);
  }, [q, open]);
  if (!open) return <button type="button" class="link" onClick={() => setOpen(true)}>{t('card.merge')}</button>;
  return (
    <section class="card-section merge">
      <h3>{t('card.merge')}</h3>
      <input aria-label={t('card.mergeSearch')} placeholder={t('card.mergeSearch')} value={q} onInput={(e) => setQ(e.currentTarget.value)} autofocus />
      <ul class="plain">
        {found.map((c) => (
          <li key={c.id}><button type="button" class="link" onClick={() => setChosen(c)}>{c.name ?? t('card.unnamed')} <span class="muted">{c.identities.map((i) => i.value).join(', ')}</span></button></li>
        ))}
      </ul>
      {chosen && (
        <div class="confirm" role="alertdialog" aria-label={t('card.merge')}>
          <p>{t('card.mergeConfirm', { name: chosen.name ?? t('card.unnamed') })}</p>
          <button type="button" class="danger" onClick={async () => {
            try {
              await api('POST', `/contacts/${contact.id}/merge`, { sourceId: chosen.id });
              setOpen(false);
              setChosen(null);
              onMerged();
            } catch (e) {
              setError(errorText(e));
            }
          }}>{t('card.mergeDo')}</button>
          <button type="button" onClick={() => setChosen(null)}>{t('common.cancel')}</button>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <button type="button" class="link" onClick={() => setOpen(false)}>{t('common.close')}</button>
    </section>
  );
}
