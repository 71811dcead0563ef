import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import type { Contact, Page } from '../../types.ts';
import { useDebounced } from './ui.tsx';

/** Finds a client card by name, phone or email (for previews): a search box and the first few matches. */
export function ContactPicker({ chosen, onChoose }: { chosen: Contact | null; onChoose: (contact: Contact | null) => void }) {
  const [q, setQ] = useState('');
  const settled = useDebounced(q.trim(), 250);
  const [found, setFound] = useState<Contact[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (chosen) return;
    let stale = false;
    setError(null);
    api<Page<Contact>>('GET', `/contacts${query({ q: settled, limit: 6 })}`)
      .then((page) => !stale && setFound(page.items))
      .catch((e) => !stale && setError(errorText(e)));
    return () => void (stale = true);
  }, [settled, chosen?.id]);

  if (chosen) {
    return (
      <div class="mk-picked">
        <span>{t('mk.preview.for')} <strong>{chosen.name ?? t('card.unnamed')}</strong></span>
        <button type="button" class="link" onClick={() => onChoose(null)}>{t('mk.preview.change')}</button>
      </div>
    );
  }
  return (
    <div class="mk-picker">
      <label>{t('mk.preview.search')} <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} /></label>
      {error && <p class="error" role="alert">{error}</p>}
      {found === null && !error && <p class="muted">{t('common.loading')}</p>}
      {found?.length === 0 && <p class="muted">{t('contacts.empty')}</p>}
      <ul class="plain mk-picker-list">
        {found?.map((c) => (
          <li key={c.id}>
            <button type="button" onClick={() => onChoose(c)}>
              {c.name ?? t('card.unnamed')} <span class="muted">{c.identities.slice(0, 2).map((i) => i.value).join(', ')}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
