import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../api.ts';
import { dayKey, dayLabel } from '../format.ts';
import { t } from '../i18n/index.ts';
import { addLabel, changeConversation, loadEarlier, openConversation, messages, messagesCursor, messagesError, messagesLoading, removeLabel, typing } from '../state/conversations.ts';
import { inboxOf, labels as catalogue, operatorName, operators, teams } from '../state/directory.ts';
import { me } from '../state/session.ts';
import type { Conversation, ConversationStatus, Message } from '../types.ts';
import { ChannelIcon } from './channel-icon.tsx';
import { LabelChip } from './label-chip.tsx';
import { contactLabel } from './conversation-list.tsx';
import { MessageItem } from './message-item.tsx';
import { ReplyBox } from './reply-box.tsx';

export function ConversationView({ conversation: c }: { conversation: Conversation }) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  /** Distance from the bottom before older messages were put on top, to put the operator back where they were. */
  const fromBottom = useRef<number | null>(null);
  /** A message came in below while the operator read older ones: offer to jump down instead of yanking them. */
  const [unseenBelow, setUnseenBelow] = useState(false);
  /**
   * What a screen reader hears: only a customer's message arriving live. The message list itself is not a live
   * region, or every older page loaded by scrolling up would be read out, fifty messages at a time.
   */
  const [announced, setAnnounced] = useState('');
  const shownLast = useRef<number | undefined>(undefined);
  const list = messages.value;
  const firstId = list[0]?.id;
  const lastId = list.at(-1)?.id;
  // Stay at the newest message when one arrives, unless the operator scrolled up to read: then nothing moves.
  useLayoutEffect(() => {
    const el = scroller.current;
    const last = list.at(-1);
    // The operator's own reply or note always comes into view: they just wrote it.
    const mine = last?.authorType === 'operator' && last.operatorId === me.value?.id && last.id !== shownLast.current;
    if (el && (atBottom.current || mine)) {
      el.scrollTop = el.scrollHeight;
      atBottom.current = true;
      setUnseenBelow(false);
    } else if (lastId !== undefined && shownLast.current !== undefined && lastId !== shownLast.current) setUnseenBelow(true);
    if (last && shownLast.current !== undefined && last.id > shownLast.current && last.direction === 'in') setAnnounced(t('conv.arrived', { name: contactLabel(c), text: last.text ?? t('conv.attachment') }));
    shownLast.current = lastId; // from none to the first page is opening the conversation, not news
  }, [lastId, c.id]);
  // An older page went in above: keep the message the operator was reading where it was on screen.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && fromBottom.current !== null) el.scrollTop = el.scrollHeight - fromBottom.current;
    fromBottom.current = null;
  }, [firstId]);
  useEffect(() => {
    atBottom.current = true;
    setUnseenBelow(false);
    setAnnounced('');
    shownLast.current = undefined;
  }, [c.id]);
  const earlier = () => {
    const el = scroller.current;
    if (!el || messagesLoading.value || !messagesCursor.value) return;
    fromBottom.current = el.scrollHeight - el.scrollTop;
    void loadEarlier();
  };
  const onScroll = (el: HTMLDivElement) => {
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom.current) setUnseenBelow(false);
    // Within a screen of the top: fetch the page before, so a reader scrolling up rarely waits for it.
    // Not after a failure, or every scroll would ask again: the error's Try again (or the button) does.
    if (el.scrollTop < el.clientHeight && !messagesError.value) earlier();
  };

  const byExternalId = new Map(list.filter((m) => m.externalId).map((m) => [m.externalId!, m]));
  const whoTypes = Object.keys(typing.value).map(Number).filter((id) => id !== me.value?.id);
  return (
    <>
      <Header conversation={c} subject={threadSubject(list)} />
      <div class="messages" ref={scroller} tabIndex={0} role="log" aria-live="off" aria-label={t('conv.messages')} onScroll={(e) => onScroll(e.currentTarget)}>
        {messagesCursor.value && (
          <button type="button" class="link center-block" disabled={messagesLoading.value} onClick={earlier}>{t('conv.loadEarlier')}</button>
        )}
        {messagesLoading.value && list.length === 0 && <p class="muted center">{t('common.loading')}</p>}
        {messagesError.value && (
          <p class="error" role="alert">
            {messagesError.value} <button type="button" class="link" onClick={() => (list.length ? earlier() : void openConversation(c.id))}>{t('common.retry')}</button>
          </p>
        )}
        {!messagesLoading.value && !messagesError.value && list.length === 0 && <p class="muted center">{t('conv.empty')}</p>}
        {groupByDay(list).map(([day, items]) => (
          <section key={day} class="day" aria-label={dayLabel(items[0]!.createdAt)}>
            <h3 class="day-label"><span>{dayLabel(items[0]!.createdAt)}</span></h3>
            {items.map((m) => <MessageItem key={m.id} message={m} contactName={contactLabel(c)} answers={m.replyToExternalId ? byExternalId.get(m.replyToExternalId) : undefined} />)}
          </section>
        ))}
      </div>
      <p class="sr-only" role="status">{announced}</p>
      {unseenBelow && (
        <button type="button" class="jump-down primary" onClick={() => { const el = scroller.current; if (el) el.scrollTop = el.scrollHeight; }}>{t('conv.newBelow')} <span aria-hidden="true">↓</span></button>
      )}
      {whoTypes.length > 0 && (
        <p class="typing muted" role="status">{whoTypes.includes(0) ? t('conv.typing', { name: contactLabel(c) }) : t('conv.typing', { name: operatorName(whoTypes[0]!) ?? t('conv.operator', { id: whoTypes[0]! }) })}</p>
      )}
      <ReplyBox conversation={c} />
    </>
  );
}

/** The subject of an email thread as it stands now: the latest message that has one. */
function threadSubject(list: Message[]): string | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const subject = list[i]!.meta?.subject;
    if (typeof subject === 'string' && subject.trim()) return subject;
  }
  return null;
}

function groupByDay(list: Message[]): [string, Message[]][] {
  const groups = new Map<string, Message[]>();
  // Pushed, not copied: a day with a thousand messages would otherwise copy half a million entries a render.
  for (const m of list) {
    const key = dayKey(m.createdAt);
    const day = groups.get(key);
    if (day) day.push(m);
    else groups.set(key, [m]);
  }
  return [...groups];
}

function Header({ conversation: c, subject }: { conversation: Conversation; subject: string | null }) {
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState('');
  const [snoozing, setSnoozing] = useState(false);
  const [until, setUntil] = useState(() => new Date(Date.now() + 86_400_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
  const inbox = inboxOf(c.inboxId);

  const run = (work: () => Promise<unknown>) => {
    setError(null);
    work().catch((e) => setError(errorText(e)));
  };
  const setStatus = (status: ConversationStatus) => run(() => changeConversation(c.id, { status }));

  return (
    <header class="conv-header">
      <div class="conv-title">
        <h2>{contactLabel(c)}</h2>
        <span class="muted"><ChannelIcon kind={inbox?.kind} /> {inbox?.name} · <span class={`pill status-${c.status}`}>{t(`status.${c.status}`)}</span></span>
        {subject && <p class="conv-subject" title={subject}>{t('conv.subject', { subject })}</p>}
      </div>
      <div class="conv-actions">
        <label>
          <span class="sr-only">{t('actions.assign')}</span>
          <select aria-label={t('actions.assign')} value={c.assigneeId ?? ''} onChange={(e) => run(() => changeConversation(c.id, { assigneeId: e.currentTarget.value ? Number(e.currentTarget.value) : null }))}>
            <option value="">{t('actions.unassigned')}</option>
            {operators.value.filter((o) => o.active && o.role !== 'marketer').map((o) => <option key={o.id} value={o.id}>{o.id === me.value?.id ? `${o.name} (${t('conv.you')})` : o.name}</option>)}
          </select>
        </label>
        {c.assigneeId !== me.value?.id && <button type="button" onClick={() => run(() => changeConversation(c.id, { assigneeId: me.value!.id }))} title={t('keys.shortcut', { key: 'a' })}>{t('actions.assignMe')}</button>}
        {teams.value.length > 0 && (
          <select aria-label={t('actions.team')} value={c.teamId ?? ''} onChange={(e) => run(() => changeConversation(c.id, { teamId: e.currentTarget.value ? Number(e.currentTarget.value) : null }))}>
            <option value="">{t('actions.noTeam')}</option>
            {teams.value.map((team) => <option key={team.id} value={team.id}>{team.name}</option>)}
          </select>
        )}
        <select aria-label={t('actions.status')} value={c.status} onChange={(e) => {
          const status = e.currentTarget.value as ConversationStatus;
          if (status === 'snoozed') setSnoozing(true);
          else setStatus(status);
        }}>
          {(['open', 'pending', 'snoozed', 'resolved'] as const).map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
        </select>
        {c.status === 'resolved'
          ? <button type="button" onClick={() => setStatus('open')}>{t('actions.reopen')}</button>
          : <button type="button" class="primary" title={t('keys.shortcut', { key: 'e' })} onClick={() => setStatus('resolved')}>{t('actions.resolve')}</button>}
      </div>
      {snoozing && (
        <form class="snooze" onSubmit={(e) => { e.preventDefault(); setSnoozing(false); run(() => changeConversation(c.id, { status: 'snoozed', snoozedUntil: new Date(until).toISOString() })); }}>
          <label>{t('actions.snoozeUntil')} <input type="datetime-local" required value={until} onInput={(e) => setUntil(e.currentTarget.value)} /></label>
          <button type="submit" class="primary">{t('actions.snooze')}</button>
          <button type="button" onClick={() => setSnoozing(false)}>{t('common.cancel')}</button>
        </form>
      )}
      <div class="labels" aria-label={t('actions.labels')}>
        {c.labels.map((l) => (
          <LabelChip key={l} name={l}>
            <button type="button" class="pill-x" aria-label={t('actions.removeLabel', { label: l })} onClick={() => run(() => removeLabel(c.id, l))}>×</button>
          </LabelChip>
        ))}
        <form class="inline" onSubmit={(e) => { e.preventDefault(); const value = label.trim(); if (value) run(async () => { await addLabel(c.id, value); setLabel(''); }); }}>
          <input id="label-input" aria-label={t('actions.addLabel')} placeholder={t('actions.addLabel')} list="label-suggestions" value={label} maxLength={64} onInput={(e) => setLabel(e.currentTarget.value)} />
          <datalist id="label-suggestions">{catalogue.value.filter((l) => !c.labels.includes(l.name)).map((l) => <option key={l.id} value={l.name}>{l.description ?? ''}</option>)}</datalist>
        </form>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </header>
  );
}
