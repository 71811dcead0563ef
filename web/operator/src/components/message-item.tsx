import { Component } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import { fileSize, timeOf } from '../format.ts';
import { t } from '../i18n/index.ts';
import { upsertMessage } from '../state/conversations.ts';
import { operatorName } from '../state/directory.ts';
import { me } from '../state/session.ts';
import type { Attachment, Message, MessageStatus } from '../types.ts';
import { EmailFrame } from './email-frame.tsx';

const TICKS: Partial<Record<MessageStatus, string>> = { queued: '◷', sending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠', unknown: '?' };

type Props = { message: Message; contactName: string; answers?: Message };

/**
 * Re-rendered only when its own message (or what it quotes) changed: a conversation may show a thousand of them,
 * and a new one arriving must not redraw them all. Signals it reads (who I am, operator names) still update it.
 */
export class MessageItem extends Component<Props> {
  // preact/compat's memo() would do the same for 12 KB more (gzipped): one comparison is all it takes.
  override shouldComponentUpdate(next: Props): boolean {
    const now = this.props;
    return next.message !== now.message || next.contactName !== now.contactName || next.answers !== now.answers;
  }

  override render(props: Props) {
    return <MessageView {...props} />;
  }
}

function MessageView({ message: m, contactName, answers }: Props) {
  const mine = m.authorType === 'operator' && m.operatorId === me.value?.id;
  const author =
    m.authorType === 'contact' ? contactName
    : m.authorType === 'bot' ? t('conv.bot')
    : m.authorType === 'system' ? t('conv.system')
    : mine ? t('conv.you')
    : (operatorName(m.operatorId) ?? t('conv.operator', { id: m.operatorId ?? '?' }));
  const subject = typeof m.meta?.subject === 'string' ? m.meta.subject : null;
  const email = m.meta?.email as EmailHead | undefined;
  const rejected = (m.meta?.rejected as { reason?: string } | undefined)?.reason;
  const side = m.private ? 'note' : m.direction === 'in' ? 'in' : 'out';
  return (
    <article class={`msg msg-${side}${m.status === 'failed' ? ' msg-failed' : ''}`} data-message-id={m.id} aria-label={m.private ? `${t('conv.note')}: ${author}` : author}>
      <div class="msg-meta">
        <span class="msg-author">{author}</span>
        {m.private && <span class="pill note-pill">{t('conv.note')}</span>}
        <time dateTime={m.createdAt}>{timeOf(m.createdAt)}</time>
        {m.direction === 'out' && !m.private && TICKS[m.status] && (
          <span class={`tick tick-${m.status}`} title={t(`conv.tick.${m.status}` as 'conv.tick.sent')} aria-label={t(`conv.tick.${m.status}` as 'conv.tick.sent')}>{TICKS[m.status]}</span>
        )}
      </div>
      {answers && (
        <blockquote class="msg-quote">
          <span class="muted">{t('conv.inReplyTo')}:</span> {(answers.text ?? '').slice(0, 140)}
        </blockquote>
      )}
      {subject && <p class="msg-subject">{t('conv.subject', { subject })}</p>}
      {email && <EmailHeaders head={email} />}
      {m.html ? <EmailFrame html={m.html} /> : m.text && <p class="msg-text">{m.text}</p>}
      {m.attachments.length > 0 && <div class="msg-files">{m.attachments.map((a, i) => <File key={a.key ?? a.url ?? i} file={a} />)}</div>}
      {rejected && <p class="error">{t('conv.rejected', { reason: rejected })}</p>}
      {m.status === 'failed' && (
        <div class="msg-failure">
          <p class="error" role="note">{m.failureReason ? t('conv.failed', { reason: m.failureReason }) : t('conv.failedNoReason')}</p>
          {m.direction === 'out' && !m.private && <RetryButton message={m} />}
        </div>
      )}
    </article>
  );
}

/** Sends a failed reply again; the tick then moves on as the send worker reports (message.updated). */
function RetryButton({ message }: { message: Message }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function retry() {
    setBusy(true);
    setError(null);
    try {
      upsertMessage(await api<Message>('POST', `/conversations/${message.conversationId}/messages/${message.id}/retry`));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" class="retry" title={t('retry.label')} disabled={busy} onClick={() => void retry()}>{busy ? t('retry.busy') : t('retry.button')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </>
  );
}

interface MailAddress { name?: string | null; address: string }
/** The addresses an email channel keeps in meta.email (see channels/email/email-parser.ts). */
interface EmailHead { from?: MailAddress; to?: MailAddress[]; cc?: MailAddress[] }

const addressText = (a: MailAddress) => (a.name ? `${a.name} <${a.address}>` : a.address);

/** Who an email came from and who else got it: the CC'd people may need an answer too. */
function EmailHeaders({ head }: { head: EmailHead }) {
  const rows: [string, MailAddress[]][] = [
    [t('email.from'), head.from ? [head.from] : []],
    [t('email.to'), head.to ?? []],
    [t('email.cc'), head.cc ?? []],
  ];
  const shown = rows.filter(([, list]) => list.length > 0);
  if (shown.length === 0) return null;
  return (
    <dl class="msg-email-head">
      {shown.map(([label, list]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{list.map(addressText).join(', ')}</dd>
        </div>
      ))}
    </dl>
  );
}

function File({ file }: { file: Attachment }) {
  const name = file.name ?? t('conv.attachment');
  if (!file.url) return <span class="file">{name}</span>;
  if (file.contentType?.startsWith('image/') && /^image\/(png|jpeg|gif|webp)$/.test(file.contentType) && file.url.startsWith('/')) {
    return (
      <a href={file.url} target="_blank" rel="noopener noreferrer" class="file-image">
        <img src={file.url} alt={name} loading="lazy" />
      </a>
    );
  }
  return (
    <a href={file.url} target="_blank" rel="noopener noreferrer" class="file" download={file.url.startsWith('/') ? name : undefined}>
      {name} <span class="muted">{fileSize(file.size)}</span>
    </a>
  );
}
