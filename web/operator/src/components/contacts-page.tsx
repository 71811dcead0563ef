import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../api.ts';
import { t } from '../i18n/index.ts';
import { navigate, route } from '../router.ts';
import type { Contact, Page } from '../types.ts';
import { ContactPanel } from './contact-panel.tsx';
import { ImportDialog } from './import-dialog.tsx';

export function ContactsPage() {
  const selectedId = Number(route.value[1]) || null;
  const [q, setQ] = useState('');
  const [tag, setTag] = useState('');
  const [page, setPage] = useState<Page<Contact>>({ items: [], nextCursor: null });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);

  async function load(more = false) {
    setLoading(true);
    setError(null);
    try {
      const next = await api<Page<Contact>>('GET', `/contacts${query({ q: q.trim(), tag: tag.trim(), limit: 50, cursor: more ? page.nextCursor : undefined })}`);
      setPage(more ? { items: [...page.items, ...next.items], nextCursor: next.nextCursor } : next);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    const timer = setTimeout(() => void load(), 250);
    return () => clearTimeout(timer);
  }, [q, tag]);

  return (
    <div class="contacts">
      <section class="contacts-list">
        <header class="page-head">
          <h1>{t('contacts.title')}</h1>
          <span class="grow" />
          <button type="button" onClick={() => setImporting(true)}>{t('contacts.import')}</button>
          <a class="button" href={`/api/v1/contacts/export.csv${query({ q: q.trim(), tag: tag.trim() })}`} download="contacts.csv">{t('contacts.export')}</a>
        </header>
        <div class="filters">
          <input type="search" aria-label={t('contacts.search')} placeholder={t('contacts.search')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          <input aria-label={t('contacts.tag')} placeholder={t('contacts.tag')} value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
        </div>
        {error && <p class="error" role="alert">{error} <button type="button" class="link" onClick={() => void load()}>{t('common.retry')}</button></p>}
        <table class="table">
          <thead><tr><th scope="col">{t('contacts.name')}</th><th scope="col">{t('contacts.identities')}</th><th scope="col">{t('contacts.tags')}</th></tr></thead>
          <tbody>
            {page.items.map((c) => (
              <tr key={c.id} class={c.id === selectedId ? 'active' : ''}>
                <td><a href={`#/contacts/${c.id}`} onClick={(e) => { e.preventDefault(); navigate(`/contacts/${c.id}`); }}>{c.name ?? t('card.unnamed')}</a></td>
                <td class="muted">{c.identities.map((i) => i.value).join(', ')}</td>
                <td>{c.tags.map((tg) => <span key={tg} class="pill">{tg}</span>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {loading && <p class="muted center">{t('common.loading')}</p>}
        {!loading && !error && page.items.length === 0 && <p class="empty muted">{t('contacts.empty')}</p>}
        {page.nextCursor && !loading && <button type="button" class="link center-block" onClick={() => void load(true)}>{t('common.loadMore')}</button>}
      </section>
      {selectedId && <ContactPanel contactId={selectedId} />}
      {importing && <ImportDialog onClose={() => { setImporting(false); void load(); }} />}
    </div>
  );
}
