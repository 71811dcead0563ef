import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import { t } from '../i18n/index.ts';

/** An approved WhatsApp template as GET /inboxes/:id/whatsapp-templates lists it. */
export interface WhatsAppTemplate { name: string; language: string; category?: string; body?: string; parameterCount: number }
export interface TemplateChoice { name: string; language: string; parameters: string[] }

/**
 * Shown when WhatsApp refused a free-form reply (REPLY_WINDOW_CLOSED: the customer has been silent for 24 hours):
 * says so in plain words and offers the inbox's approved templates, each with its {{n}} parameters to fill in.
 */
export function TemplatePicker({ inboxId, busy, onSend, onCancel }: { inboxId: number; busy: boolean; onSend: (choice: TemplateChoice) => void; onCancel: () => void }) {
  const [templates, setTemplates] = useState<WhatsAppTemplate[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState(0);
  const [parameters, setParameters] = useState<string[]>([]);

  useEffect(() => {
    setTemplates(null);
    setError(null);
    api<{ templates: WhatsAppTemplate[] }>('GET', `/inboxes/${inboxId}/whatsapp-templates`).then((answer) => setTemplates(answer.templates), (e) => setError(errorText(e)));
  }, [inboxId]);

  const template = templates?.[picked];
  useEffect(() => setParameters(Array.from({ length: template?.parameterCount ?? 0 }, () => '')), [template?.name, template?.language]);
  // The body as the customer will read it, parameters filled in where given.
  const [missing, setMissing] = useState(false);
  function submit() {
    if (!template) return;
    // WhatsApp refuses a template with an empty parameter: say so here rather than fail at the channel.
    if (parameters.some((p) => !p.trim())) return setMissing(true);
    setMissing(false);
    onSend({ name: template.name, language: template.language, parameters });
  }
  const preview = template?.body?.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => parameters[Number(n) - 1] || whole);

  return (
    <section class="template-picker" aria-label={t('templates.title')}>
      <p role="alert"><strong>{t('templates.windowClosed')}</strong></p>
      {error && <p class="error">{error}</p>}
      {!templates && !error && <p class="muted">{t('common.loading')}</p>}
      {templates?.length === 0 && <p class="muted">{t('templates.none')}</p>}
      {template && (
        // Not a <form>: it sits inside the reply box's form, and forms do not nest.
        <div class="template-form">
          <label>
            {t('templates.choose')}{' '}
            <select value={picked} onChange={(e) => setPicked(Number(e.currentTarget.value))}>
              {templates!.map((tpl, i) => <option key={`${tpl.name}/${tpl.language}`} value={i}>{`${tpl.name} (${tpl.language})`}</option>)}
            </select>
          </label>
          {parameters.map((value, i) => (
            <label key={i} class="template-parameter">
              {t('templates.parameter', { n: i + 1 })}{' '}
              <input value={value} maxLength={1024} aria-invalid={missing && !value.trim()} onInput={(e) => { const next = [...parameters]; next[i] = e.currentTarget.value; setParameters(next); }} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); submit(); } }} />
            </label>
          ))}
          {preview && <p class="template-preview">{preview}</p>}
          {missing && <p class="error">{t('templates.fillIn')}</p>}
          <div class="reply-bar">
            <button type="button" onClick={onCancel}>{t('common.cancel')}</button>
            <span class="grow" />
            <button type="button" class="primary" disabled={busy} onClick={submit}>{t('templates.send')}</button>
          </div>
        </div>
      )}
    </section>
  );
}
