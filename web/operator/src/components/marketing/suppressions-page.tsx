import { useState } from 'preact/hooks';
import { api, errorText, query } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import type { Page } from '../../types.ts';
import { SUPPRESSION_REASONS, type Suppression } from './types.ts';
import { LoadState, useDebounced, useLoad, when } from './ui.tsx';

const CHANNELS = ['email', 'sms', 'telegram', 'whatsapp'] as const;

/** Addresses that never get campaigns on a channel: search, add, remove. */
export function SuppressionsPage() {
  const [q, setQ] = useState('');
  const [channel, setChannel] = useState('');
  const settled = useDebounced(q.trim(), 250);
  const [extra, setExtra] = useState<Suppression[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useLoad(async () => {
    const page = await api<Page<Suppression>>('GET', `/suppressions${query({ q: settled, channel, limit: 50 })}`);
    setExtra([]);
    setCursor(page.nextCursor);
    return page.items;
  }, [settled, channel]);
  const rows = [...(list.data ?? []), ...extra];

  const more = async () => {
    try {
      const page = await api<Page<Suppression>>('GET', `/suppressions${query({ q: settled, channel, limit: 50, cursor })}`);
      setExtra((all) => [...all, ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const remove = async (s: Suppression) => {
    if (!confirm(t('mk.sup.removeConfirm', { address: s.address }))) return;
    setError(null);
    try {
      await api('DELETE', `/suppressions/${s.id}`);
      await list.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <>
      <header class="page-head"><h2>{t('mk.tab.suppressions')}</h2></header>
      <p class="muted mk-intro">{t('mk.sup.intro')}</p>
      <AddSuppression onAdded={() => void list.reload()} />
      <div class="filters mk-filters">
        <input type="search" aria-label={t('mk.sup.search')} placeholder={t('mk.sup.search')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <select aria-label={t('mk.sup.channel')} value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
          <option value="">{t('mk.sup.anyChannel')}</option>
          {CHANNELS.map((c) => <option key={c} value={c}>{t(`mk.ch.${c}`)}</option>)}
        </select>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {rows.length > 0 && (
        <table class="table">
          <thead><tr><th scope="col">{t('mk.sup.address')}</th><th scope="col">{t('mk.sup.channel')}</th><th scope="col">{t('mk.sup.reason')}</th><th scope="col">{t('mk.sup.note')}</th><th scope="col">{t('mk.sup.addedAt')}</th><th /></tr></thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.id}>
                <td>{s.address}</td>
                <td>{CHANNELS.includes(s.channel as 'sms') ? t(`mk.ch.${s.channel as 'sms'}`) : s.channel}</td>
                <td>{t(`mk.reason.${s.reason}`)}</td>
                <td class="muted">{s.note ?? ''}</td>
                <td class="muted">{when(s.createdAt)}</td>
                <td><button type="button" class="danger" aria-label={t('mk.sup.remove', { address: s.address })} onClick={() => void remove(s)}>{t('mk.sup.removeShort')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadState loading={list.loading && !list.data} error={list.error} empty={rows.length === 0} emptyText={settled || channel ? t('mk.sup.noMatch') : t('mk.sup.empty')} retry={list.reload} />
      {cursor && <button type="button" class="link center-block" onClick={() => void more()}>{t('common.loadMore')}</button>}
    </>
  );
}

function AddSuppression({ onAdded }: { onAdded: () => void }) {
  const [channel, setChannel] = useState<string>('email');
  const [address, setAddress] = useState('');
  const [reason, setReason] = useState<string>('manual');
  const [note, setNote] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      const added = await api<Suppression>('POST', '/suppressions', { channel, address, reason, ...(note.trim() ? { note: note.trim() } : {}) });
      setStatus({ ok: true, text: t('mk.sup.addedOk', { address: added.address }) });
      setAddress('');
      setNote('');
      onAdded();
    } catch (error) {
      setStatus({ ok: false, text: errorText(error) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="card mk-add" aria-label={t('mk.sup.add')} onSubmit={submit}>
      <h3>{t('mk.sup.add')}</h3>
      <div class="mk-grid">
        <label>{t('mk.sup.channel')} <select value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>{CHANNELS.map((c) => <option key={c} value={c}>{t(`mk.ch.${c}`)}</option>)}</select></label>
        <label>{t('mk.sup.address')} <input required maxLength={255} value={address} placeholder={channel === 'email' ? 'name@example.com' : channel === 'telegram' ? '123456789' : '+4915112345678'} onInput={(e) => setAddress(e.currentTarget.value)} /></label>
        <label>{t('mk.sup.reason')} <select value={reason} onChange={(e) => setReason(e.currentTarget.value)}>{SUPPRESSION_REASONS.map((r) => <option key={r} value={r}>{t(`mk.reason.${r}`)}</option>)}</select></label>
        <label>{t('mk.sup.note')} <input maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
      </div>
      <div class="dialog-bar">
        <button type="submit" class="primary" disabled={busy}>{t('common.add')}</button>
        {status && <span class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>{status.text}</span>}
      </div>
    </form>
  );
}
