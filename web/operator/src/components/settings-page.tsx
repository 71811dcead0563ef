import { useState } from 'preact/hooks';
import { errorText } from '../api.ts';
import { t } from '../i18n/index.ts';
import { navigate, route } from '../router.ts';
import { me } from '../state/session.ts';
import { CannedSettings } from './settings-canned.tsx';
import { InboxSettings } from './settings-inboxes.tsx';
import { LabelSettings } from './settings-labels.tsx';
import { OperatorSettings, TeamSettings } from './settings-people.tsx';

const TABS = ['inboxes', 'operators', 'teams', 'canned', 'labels'] as const;

export function SettingsPage() {
  const tab = (TABS as readonly string[]).includes(route.value[1] ?? '') ? (route.value[1] as (typeof TABS)[number]) : 'inboxes';
  if (me.value?.role !== 'admin') return <p class="center muted">{t('settings.adminOnly')}</p>;
  return (
    <div class="settings">
      <nav class="settings-nav" aria-label={t('settings.title')}>
        <h1>{t('settings.title')}</h1>
        {TABS.map((name) => (
          <a key={name} href={`#/settings/${name}`} class={tab === name ? 'active' : ''} aria-current={tab === name ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate(`/settings/${name}`); }}>
            {t(`settings.${name}`)}
          </a>
        ))}
      </nav>
      <section class="settings-body">
        {tab === 'inboxes' ? <InboxSettings /> : tab === 'operators' ? <OperatorSettings /> : tab === 'teams' ? <TeamSettings /> : tab === 'labels' ? <LabelSettings /> : <CannedSettings />}
      </section>
    </div>
  );
}

/** Key/value rows for a channel's settings or credentials: generic, so any channel kind fits. */
export function KeyValues({ legend, rows, onChange, secret }: { legend: string; rows: [string, string][]; onChange: (rows: [string, string][]) => void; secret?: boolean }) {
  return (
    <fieldset class="kv">
      <legend>{legend}</legend>
      {rows.map(([key, value], i) => (
        <div class="kv-row" key={i}>
          <input aria-label={`${legend}: ${t('settings.key')} ${i + 1}`} placeholder={t('settings.key')} value={key} onInput={(e) => onChange(rows.map((r, j) => (j === i ? [e.currentTarget.value, r[1]] : r)))} />
          {secret
            ? <input aria-label={`${legend}: ${t('settings.value')} ${i + 1}`} placeholder={t('settings.value')} type="password" autocomplete="off" value={value} onInput={(e) => onChange(rows.map((r, j) => (j === i ? [r[0], e.currentTarget.value] : r)))} />
            : <input aria-label={`${legend}: ${t('settings.value')} ${i + 1}`} placeholder={t('settings.value')} value={value} onInput={(e) => onChange(rows.map((r, j) => (j === i ? [r[0], e.currentTarget.value] : r)))} />}
          <button type="button" class="pill-x" aria-label={t('settings.removeRow')} onClick={() => onChange(rows.filter((_, j) => j !== i))}>×</button>
        </div>
      ))}
      <button type="button" class="link" onClick={() => onChange([...rows, ['', '']])}>{t('settings.addRow')}</button>
    </fieldset>
  );
}

export function useBusy() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return { error, busy, setError, run: async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  } };
}
