import { computed } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { initials, whenShort } from '../format.ts';
import { navigate } from '../router.ts';
import { conversations, filters, listError, listLoading, loadConversations, nextCursor, selectedId, setFilters, type Tab } from '../state/conversations.ts';
import { contactNames, inboxes, inboxOf, labels as catalogue, teams } from '../state/directory.ts';
import type { Conversation, ConversationStatus } from '../types.ts';
import { ChannelIcon } from './channel-icon.tsx';
import { LabelChip } from './label-chip.tsx';
import { VirtualList } from './virtual-list.tsx';

const TABS: Tab[] = ['mine', 'unassigned', 'all'];
const STATUSES: ConversationStatus[] = ['open', 'pending', 'snoozed', 'resolved'];

export function contactLabel(c: Pick<Conversation, 'contactId' | 'contact'>): string {
  return c.contact?.name ?? contactNames.value[c.contactId]?.name ?? t('list.unknownContact', { id: c.contactId });
}

/** What the label filter suggests: the catalogue first, then free-text labels seen on loaded conversations. */
const knownLabels = computed(() => {
  const names = catalogue.value.map((l) => l.name);
  const seen = new Set(names);
  const others = new Set<string>();
  for (const c of conversations.value) for (const l of c.labels) if (!seen.has(l)) others.add(l);
  return [...names, ...[...others].sort()];
});

export function ConversationList() {
  const f = filters.value;
  return (
    <aside class="list" aria-label={t('list.title')}>
      <div class="tabs" role="tablist" aria-label={t('list.tabs')}>
        {TABS.map((tab) => (
          <button key={tab} type="button" role="tab" aria-selected={f.tab === tab} class={f.tab === tab ? 'tab active' : 'tab'} onClick={() => setFilters({ tab })}>
            {t(`list.${tab}`)}
          </button>
        ))}
      </div>
      <SearchBox />
      <div class="filters">
        <label class="sr-only" for="filter-status">{t('list.status')}</label>
        <select id="filter-status" value={f.status} onChange={(e) => setFilters({ status: e.currentTarget.value as ConversationStatus | '' })}>
          <option value="">{t('list.anyStatus')}</option>
          {STATUSES.map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
        </select>
        <label class="sr-only" for="filter-inbox">{t('list.inbox')}</label>
        <select id="filter-inbox" value={f.inboxId ?? ''} onChange={(e) => setFilters({ inboxId: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
          <option value="">{t('list.anyInbox')}</option>
          {inboxes.value.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
        </select>
        {teams.value.length > 0 && (
          <>
            <label class="sr-only" for="filter-team">{t('list.team')}</label>
            <select id="filter-team" value={f.teamId ?? ''} onChange={(e) => setFilters({ teamId: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
              <option value="">{t('list.anyTeam')}</option>
              {teams.value.map((team) => <option key={team.id} value={team.id}>{team.name}</option>)}
            </select>
          </>
        )}
        <label class="sr-only" for="filter-label">{t('list.label')}</label>
        <input id="filter-label" list="known-labels" placeholder={t('list.label')} value={f.label} onChange={(e) => setFilters({ label: e.currentTarget.value.trim() })} />
        <datalist id="known-labels">{knownLabels.value.map((l) => <option key={l} value={l} />)}</datalist>
      </div>
      {listError.value && (
        <p class="error" role="alert">
          {listError.value} <button type="button" class="link" onClick={() => void loadConversations()}>{t('common.retry')}</button>
        </p>
      )}
      <VirtualList items={conversations.value} keyOf={(c) => c.id} heightOf={rowHeight} resetKey={f}
        renderItem={(c) => <Row conversation={c} active={c.id === selectedId.value} />}
        activeIndex={conversations.value.findIndex((c) => c.id === selectedId.value)}
        more={!!nextCursor.value} busy={listLoading.value} label={t('list.title')}
        onNearEnd={() => { if (nextCursor.value && !listLoading.value && !listError.value) void loadConversations(true); }} />
      {!listLoading.value && !listError.value && conversations.value.length === 0 && <p class="empty muted">{f.q.trim() ? t('list.noMatches', { q: f.q.trim() }) : t('list.empty')}</p>}
      {listLoading.value && <p class="muted center">{t('common.loading')}</p>}
    </aside>
  );
}

/** Searches as the operator types, once they pause (one request per pause, not per key). */
function SearchBox() {
  const [text, setText] = useState(filters.value.q);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const search = (value: string, wait: number) => {
    setText(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => { if (value.trim() !== filters.value.q.trim()) setFilters({ q: value }); }, wait);
  };
  return (
    <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); search(text, 0); }}>
      <label class="sr-only" for="list-search">{t('list.search')}</label>
      <input id="list-search" type="search" placeholder={t('list.searchPlaceholder')} value={text} maxLength={200} autocomplete="off"
        onInput={(e) => search(e.currentTarget.value, 300)}
        onKeyDown={(e) => { if (e.key === 'Escape' && text) { e.stopPropagation(); search('', 0); } }} />
    </form>
  );
}

/** Row heights in pixels, fixed in styles.css (.row, .row.tagged): the virtual list places rows without measuring. */
const ROW_HEIGHT = 64;
const TAGGED_ROW_HEIGHT = 86;
const hasTags = (c: Conversation) => c.labels.length > 0 || c.status !== 'open';
const rowHeight = (c: Conversation) => (hasTags(c) ? TAGGED_ROW_HEIGHT : ROW_HEIGHT);

function Row({ conversation: c, active }: { conversation: Conversation; active: boolean }) {
  const name = contactLabel(c);
  const inbox = inboxOf(c.inboxId);
  return (
      <a href={`#/inbox/${c.id}`} class={`row${hasTags(c) ? ' tagged' : ''}${active ? ' active' : ''}${c.unreadCount > 0 ? ' unread' : ''}`} aria-current={active ? 'true' : undefined} data-conversation-id={c.id} onClick={(e) => { e.preventDefault(); navigate(`/inbox/${c.id}`); }}>
        <span class="avatar" aria-hidden="true">{initials(name)}</span>
        <span class="row-main">
          <span class="row-top">
            <span class="row-name">{name}</span>
            <time class="row-time" dateTime={c.lastActivityAt}>{whenShort(c.lastActivityAt)}</time>
          </span>
          <span class="row-bottom">
            <ChannelIcon kind={inbox?.kind} />
            <span class="row-preview">{c.lastMessagePreview ?? t('list.noPreview')}</span>
            {c.unreadCount > 0 && <span class="badge" aria-label={t('list.unread', { count: c.unreadCount })}>{c.unreadCount}</span>}
          </span>
          {hasTags(c) && (
            <span class="row-tags">
              {c.status !== 'open' && <span class={`pill status-${c.status}`}>{t(`status.${c.status}`)}</span>}
              {c.labels.map((l) => <LabelChip key={l} name={l} />)}
            </span>
          )}
        </span>
      </a>
  );
}
