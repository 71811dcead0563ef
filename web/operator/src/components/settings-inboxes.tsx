import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/index.ts';
import { inboxes, reloadInboxes } from '../state/directory.ts';
import { LoadState, useLoad } from './load-state.tsx';
import type { Inbox } from '../types.ts';
import { ChannelIcon } from './channel-icon.tsx';
import { KeyValues, useBusy } from './settings-page.tsx';

interface ConnectionTest { ok: boolean; checks: { name: string; ok: boolean; message?: string }[] }

/** Turns form rows into a settings object: numbers and booleans typed as such, JSON where it parses. */
function toObject(rows: [string, string][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of rows) {
    if (!key.trim()) continue;
    const value = raw.trim();
    if (value === 'true' || value === 'false') out[key.trim()] = value === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(value)) out[key.trim()] = Number(value);
    else if (/^[[{]/.test(value)) {
      try { out[key.trim()] = JSON.parse(value); } catch { out[key.trim()] = raw; }
    } else out[key.trim()] = raw;
  }
  return out;
}
const toRows = (settings: Record<string, unknown>): [string, string][] => Object.entries(settings).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
const strings = (rows: [string, string][]) => Object.fromEntries(rows.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v]));

export function InboxSettings() {
  const [kinds, setKinds] = useState<string[]>([]);
  const [editing, setEditing] = useState<Inbox | 'new' | null>(null);
  const loaded = useLoad(reloadInboxes);
  useEffect(() => {
    api<{ kinds: string[] }>('GET', '/inboxes/kinds').then((k) => setKinds(k.kinds), () => setKinds(['api']));
  }, []);
  return (
    <>
      <header class="page-head"><h2>{t('settings.inboxes')}</h2><span class="grow" /><button type="button" class="primary" onClick={() => setEditing('new')}>{t('settings.newInbox')}</button></header>
      {editing && <InboxForm key={editing === 'new' ? 'new' : editing.id} inbox={editing === 'new' ? null : editing} kinds={kinds} onDone={() => { setEditing(null); void reloadInboxes(); }} />}
      <LoadState state={loaded} empty={inboxes.value.length === 0} />
      <ul class="plain cards">
        {inboxes.value.map((inbox) => (
          <li key={inbox.id} class="card" data-inbox-id={inbox.id}>
            <div class="row-top">
              <strong><ChannelIcon kind={inbox.kind} /> {inbox.name}</strong>
              <span class="muted">{inbox.kind} · #{inbox.id}</span>
              <span class="grow" />
              <button type="button" onClick={() => setEditing(inbox)}>{t('common.edit')}</button>
            </div>
            <StateLine inbox={inbox} />
            {inbox.credentialsSet.length > 0 && <p class="muted">{t('settings.credentialsSet', { keys: inbox.credentialsSet.join(', ') })}</p>}
            {inbox.kind === 'webchat' && <EmbedSnippet inboxId={inbox.id} />}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The channel's connection state as pushed over the socket; a `qr` state's detail may be an image to scan. */
function StateLine({ inbox }: { inbox: Inbox }) {
  const state = inbox.state;
  if (!state) return <p class="muted">{t('settings.state')}: {t('settings.noState')}</p>;
  const image = state.detail?.startsWith('data:image/') ? state.detail : null;
  return (
    <div class={`state state-${state.status}`} role="status">
      <p>{t('settings.state')}: <strong>{state.status}</strong>{state.detail && !image ? ` · ${state.detail}` : ''}</p>
      {image && <figure><img src={image} alt={t('settings.qr')} width={220} height={220} /><figcaption>{t('settings.qr')}</figcaption></figure>}
    </div>
  );
}

export function EmbedSnippet({ inboxId }: { inboxId: number }) {
  const [copied, setCopied] = useState(false);
  const snippet = `<script src="${location.origin}/widget.js" data-inbox-id="${inboxId}" async></script>`;
  return (
    <div class="embed">
      <label for={`embed-${inboxId}`}>{t('settings.embed')}</label>
      <div class="kv-row">
        <input id={`embed-${inboxId}`} readOnly value={snippet} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={async () => { await navigator.clipboard?.writeText(snippet).catch(() => {}); setCopied(true); setTimeout(() => setCopied(false), 1500); }}>{copied ? t('common.copied') : t('common.copy')}</button>
      </div>
    </div>
  );
}

function InboxForm({ inbox, kinds, onDone }: { inbox: Inbox | null; kinds: string[]; onDone: () => void }) {
  const [kind, setKind] = useState(inbox?.kind ?? kinds[0] ?? 'api');
  const [name, setName] = useState(inbox?.name ?? '');
  const [settings, setSettings] = useState<[string, string][]>(inbox ? toRows(inbox.settings) : []);
  const [credentials, setCredentials] = useState<[string, string][]>([]);
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const { error, busy, run } = useBusy();
  const body = () => ({ name: name.trim() || undefined, settings: toObject(settings), credentials: credentials.length ? strings(credentials) : undefined });

  return (
    <form class="card form" aria-label={inbox ? inbox.name : t('settings.newInbox')} onSubmit={(e) => { e.preventDefault(); void run(async () => {
      if (inbox) await api('PATCH', `/inboxes/${inbox.id}`, body());
      else {
        const created = await api<{ secret?: string }>('POST', '/inboxes', { kind, ...body(), name: name.trim() });
        if (created.secret && kind === 'api') { setSecret(created.secret); return; }
      }
      onDone();
    }); }}>
      <label>{t('settings.kind')}
        <select value={kind} disabled={!!inbox} onChange={(e) => setKind(e.currentTarget.value)}>{(inbox ? [inbox.kind] : kinds).map((k) => <option key={k} value={k}>{k}</option>)}</select>
      </label>
      <label>{t('settings.name')} <input required value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} /></label>
      <KeyValues legend={t('settings.settings')} rows={settings} onChange={setSettings} />
      <KeyValues legend={t('settings.credentials')} rows={credentials} onChange={setCredentials} secret />
      {test && (
        <div role="status" class={test.ok ? 'ok' : 'error'}>
          <p>{test.ok ? t('settings.testOk') : t("settings.testFailed", { detail: test.checks.filter((c) => !c.ok).map((c) => c.message ?? c.name).join("; ") })}</p>
          <ul>{test.checks.map((c) => <li key={c.name}>{c.ok ? "✓" : "✗"} {c.name}{c.message ? `: ${c.message}` : ""}</li>)}</ul>
        </div>
      )}
      {secret && <p class="ok" role="status">{t('settings.secret', { secret })}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="dialog-bar">
        <button type="button" disabled={busy} onClick={() => void run(async () => setTest(await api<ConnectionTest>('POST', inbox ? `/inboxes/${inbox.id}/test-connection` : '/inboxes/test-connection', inbox ? body() : { kind, ...body() })))}>{t('settings.testConnection')}</button>
        <span class="grow" />
        <button type="button" onClick={onDone}>{secret ? t('common.close') : t('common.cancel')}</button>
        {!secret && <button type="submit" class="primary" disabled={busy}>{inbox ? t('common.save') : t('common.create')}</button>}
      </div>
    </form>
  );
}
