import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/index.ts';
import { loadConversations } from '../state/conversations.ts';
import { labels, reloadLabels } from '../state/directory.ts';
import { LoadState, useLoad } from './load-state.tsx';
import type { Label } from '../types.ts';
import { LabelChip } from './label-chip.tsx';
import { useBusy } from './settings-page.tsx';

const DEFAULT_COLOR = '#2456d3';

/** Settings → Labels: the catalogue conversations' labels are picked from, with colours. */
export function LabelSettings() {
  const [name, setName] = useState('');
  const [color, setColor] = useState(DEFAULT_COLOR);
  const [description, setDescription] = useState('');
  const [editing, setEditing] = useState<number | null>(null);
  const { error, busy, run } = useBusy();
  const loaded = useLoad(reloadLabels);
  // Renames and deletions change conversations too: the list reloads so it shows the new names.
  const changed = async () => {
    await reloadLabels();
    void loadConversations();
  };
  return (
    <>
      <header class="page-head"><h2>{t('settings.labels')}</h2></header>
      <p class="muted">{t('labels.intro')}</p>
      <LoadState state={loaded} empty={labels.value.length === 0} />
      <table class="table" aria-label={t('settings.labels')}>
        <thead><tr><th scope="col">{t('labels.name')}</th><th scope="col">{t('labels.descriptionColumn')}</th><th /></tr></thead>
        <tbody>
          {labels.value.map((label) => editing === label.id
            ? <EditRow key={label.id} label={label} onDone={() => setEditing(null)} onSaved={changed} />
            : (
              <tr key={label.id} data-label-id={label.id}>
                <td><LabelChip name={label.name} /></td>
                <td>{label.description}</td>
                <td class="actions">
                  <button type="button" aria-label={t('labels.edit', { name: label.name })} onClick={() => setEditing(label.id)}>{t('common.edit')}</button>
                  <button type="button" class="danger" aria-label={t('labels.delete', { name: label.name })} onClick={() => {
                    if (confirm(t('labels.confirmDelete', { name: label.name }))) void run(async () => { await api('DELETE', `/labels/${label.id}`); await changed(); });
                  }}>{t('common.delete')}</button>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      <form class="card form" aria-label={t('labels.new')} onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await api('POST', '/labels', { name: name.trim(), color, ...(description.trim() ? { description: description.trim() } : {}) });
          setName('');
          setDescription('');
          await reloadLabels();
        });
      }}>
        <h3>{t('labels.new')}</h3>
        <label>{t('labels.name')} <input required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>{t('labels.color')} <input type="color" class="label-swatch" value={color} onInput={(e) => setColor(e.currentTarget.value)} /></label>
        <label>{t('labels.description')} <input maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{t('common.create')}</button>
      </form>
    </>
  );
}

function EditRow({ label, onDone, onSaved }: { label: Label; onDone: () => void; onSaved: () => Promise<void> }) {
  const [name, setName] = useState(label.name);
  const [color, setColor] = useState(label.color);
  const [description, setDescription] = useState(label.description ?? '');
  const { error, busy, run } = useBusy();
  const save = () => run(async () => {
    await api('PATCH', `/labels/${label.id}`, { name: name.trim(), color, description: description.trim() || null });
    await onSaved();
    onDone();
  });
  return (
    <tr data-label-id={label.id}>
      <td colSpan={3}>
        <form class="label-edit" aria-label={t('labels.edit', { name: label.name })} onSubmit={(e) => { e.preventDefault(); void save(); }} onKeyDown={(e) => { if (e.key === 'Escape') onDone(); }}>
          <input type="color" class="label-swatch" aria-label={t('labels.color')} value={color} onInput={(e) => setColor(e.currentTarget.value)} />
          <input aria-label={t('labels.name')} required maxLength={64} value={name} autofocus onInput={(e) => setName(e.currentTarget.value)} />
          <input aria-label={t('labels.description')} placeholder={t('labels.description')} maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={busy}>{t('common.save')}</button>
          <button type="button" onClick={onDone}>{t('common.cancel')}</button>
          {error && <p class="error" role="alert">{error}</p>}
        </form>
      </td>
    </tr>
  );
}
