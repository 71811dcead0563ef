import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/index.ts';
import { canned, reloadCanned } from '../state/directory.ts';
import { LoadState, useLoad } from './load-state.tsx';
import { useBusy } from './settings-page.tsx';

export function CannedSettings() {
  const [shortCode, setShortCode] = useState('');
  const [content, setContent] = useState('');
  const { error, busy, run } = useBusy();
  const loaded = useLoad(reloadCanned);
  return (
    <>
      <header class="page-head"><h2>{t('settings.canned')}</h2></header>
      <LoadState state={loaded} empty={canned.value.length === 0} />
      <table class="table">
        <thead><tr><th scope="col">{t('settings.shortCode')}</th><th scope="col">{t('settings.content')}</th><th /></tr></thead>
        <tbody>
          {canned.value.map((c) => (
            <tr key={c.id}>
              <td><code>/{c.shortCode}</code></td>
              <td>{c.content}</td>
              <td><button type="button" class="danger" aria-label={`${t('common.delete')} /${c.shortCode}`} onClick={() => void run(async () => { await api('DELETE', `/canned-responses/${c.id}`); await reloadCanned(); })}>{t('common.delete')}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form" aria-label={t('settings.newCanned')} onSubmit={(e) => { e.preventDefault(); void run(async () => { await api('POST', '/canned-responses', { shortCode, content }); setShortCode(''); setContent(''); await reloadCanned(); }); }}>
        <h3>{t('settings.newCanned')}</h3>
        <label>{t('settings.shortCode')} <input required pattern="[A-Za-z0-9_\-]+" value={shortCode} onInput={(e) => setShortCode(e.currentTarget.value)} /></label>
        <label>{t('settings.content')} <textarea required rows={3} value={content} onInput={(e) => setContent(e.currentTarget.value)} /></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{t('common.create')}</button>
      </form>
    </>
  );
}
