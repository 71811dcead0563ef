import { useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import { t } from '../i18n/index.ts';

interface Preview { columns: string[]; sample: string[][]; rows: number; suggested: Record<string, string> }
interface Report { created: number; updated: number; merged: number; rejected: number; rejectedRows: { row: number; reason: string }[] }

const FIELDS = ['name', 'phone', 'email', 'tags', 'language', 'timezone', 'birthday'] as const;

/** CSV import: pick a file, say which column holds what, import, read the report. */
export function ImportDialog({ onClose }: { onClose: () => void }) {
  const [csv, setCsv] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [country, setCountry] = useState('');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function choose(file: File) {
    setError(null);
    setReport(null);
    try {
      const text = await file.text();
      const answer = await api<Preview>('POST', '/contacts/import/preview', { csv: text });
      setCsv(text);
      setPreview(answer);
      setMapping(answer.suggested);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function run() {
    if (!csv) return;
    setBusy(true);
    setError(null);
    try {
      setReport(await api<Report>('POST', '/contacts/import', { csv, mapping, defaultCountry: country.trim().toUpperCase() || undefined }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="dialog-backdrop">
      <div class="card dialog wide" role="dialog" aria-modal="true" aria-labelledby="import-title">
        <h2 id="import-title">{t('contacts.import')}</h2>
        <label>{t('contacts.importFile')} <input type="file" accept=".csv,text/csv" onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) void choose(f); }} /></label>
        {preview && !report && (
          <>
            <h3>{t('contacts.mapping')}</h3>
            <table class="table mapping">
              <tbody>
                {preview.columns.map((column, i) => (
                  <tr key={column}>
                    <th scope="row">{column}<div class="muted ellipsis">{preview.sample.map((r) => r[i]).filter(Boolean).slice(0, 2).join(' · ')}</div></th>
                    <td>
                      <select aria-label={t('contacts.column', { column })} value={mapping[column] ?? ''} onChange={(e) => setMapping({ ...mapping, [column]: e.currentTarget.value })}>
                        <option value="">{t('contacts.ignore')}</option>
                        {FIELDS.map((f) => <option key={f} value={f}>{t(`contacts.field.${f}`)}</option>)}
                        <option value="custom">{t('contacts.field.custom', { column })}</option>
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <label>{t('contacts.defaultCountry')} <input value={country} maxLength={2} size={3} placeholder="DE" onInput={(e) => setCountry(e.currentTarget.value)} /></label>
            <button type="button" class="primary" disabled={busy} onClick={() => void run()}>{busy ? t('contacts.importing') : t('contacts.runImport', { count: preview.rows })}</button>
          </>
        )}
        {report && (
          <div role="status" class="report">
            <p data-testid="import-report">{t('contacts.report', { created: report.created, updated: report.updated, merged: report.merged, rejected: report.rejected })}</p>
            {report.rejectedRows.length > 0 && (
              <details>
                <summary>{t('contacts.rejectedRows')}</summary>
                <ul>{report.rejectedRows.slice(0, 200).map((r) => <li key={r.row}>{t('contacts.row', { row: r.row, reason: r.reason })}</li>)}</ul>
              </details>
            )}
          </div>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <div class="dialog-bar"><span class="grow" /><button type="button" onClick={onClose}>{t('common.close')}</button></div>
      </div>
    </div>
  );
}
