import { useState } from 'preact/hooks';
import { api, errorText } from '../../api.ts';
import { t, type MessageKey } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';

export type SaveStatus = { ok: boolean; text: string } | null;

/**
 * Saving and deleting the named record an editor shows (a template, a segment). A new one is edited in place once
 * saved (PATCH from then on), and the address becomes its own without reloading the form.
 */
export function useSavedRecord<T extends { id: number; name: string }>(initial: T | null, collection: 'templates' | 'segments', deleteConfirm: MessageKey) {
  const [record, setRecord] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState<SaveStatus>(null);

  async function save(body: object): Promise<void> {
    setSaving(true);
    setStatus(null);
    try {
      const saved = record ? await api<T>('PATCH', `/${collection}/${record.id}`, body) : await api<T>('POST', `/${collection}`, body);
      setStatus({ ok: true, text: t('common.saved') });
      if (!record) history.replaceState(null, '', `#/marketing/${collection}/${saved.id}`);
      setRecord(saved);
    } catch (error) {
      setStatus({ ok: false, text: errorText(error) });
    } finally {
      setSaving(false);
    }
  }

  async function remove(): Promise<void> {
    if (!record || !confirm(t(deleteConfirm, { name: record.name }))) return;
    try {
      await api('DELETE', `/${collection}/${record.id}`);
      navigate(`/marketing/${collection}`);
    } catch (error) {
      setStatus({ ok: false, text: errorText(error) });
    }
  }

  return { record, saving, status, setStatus, save, remove };
}
