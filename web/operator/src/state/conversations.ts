import { computed, signal } from '@preact/signals';
import { api, errorText, query } from '../api.ts';
import type { Conversation, ConversationStatus, Message, Page } from '../types.ts';
import { ensureContactNames, rememberContacts } from './directory.ts';
import { me } from './session.ts';

export type Tab = 'mine' | 'unassigned' | 'all';
export interface Filters {
  tab: Tab;
  status: ConversationStatus | '';
  inboxId: number | null;
  teamId: number | null;
  label: string;
  /** Free-text search (contact name, phone, email, message text); the server decides what matches. */
  q: string;
}

// 100 a page: scrolling through thousands of conversations takes half the round trips of 50.
const PAGE = 100;

export const filters = signal<Filters>({ tab: 'all', status: 'open', inboxId: null, teamId: null, label: '', q: '' });
export const conversations = signal<Conversation[]>([]);
export const nextCursor = signal<string | null>(null);
export const listLoading = signal(false);
export const listError = signal<string | null>(null);
export const selectedId = signal<number | null>(null);
export const selected = computed(() => conversations.value.find((c) => c.id === selectedId.value) ?? openedConversation.value);
/** The open conversation as last fetched, for when it is not in the filtered list (say, resolved). */
export const openedConversation = signal<Conversation | null>(null);

const newestFirst = (a: Conversation, b: Conversation) => b.lastActivityAt.localeCompare(a.lastActivityAt) || b.id - a.id;

/** Whether a conversation belongs in the list as filtered now (the server's rules, applied to live events). */
export function matches(c: Conversation, f: Filters = filters.value): boolean {
  if (f.tab === 'mine' && c.assigneeId !== me.value?.id) return false;
  if (f.tab === 'unassigned' && c.assigneeId !== null) return false;
  if (f.status && c.status !== f.status) return false;
  if (f.inboxId !== null && c.inboxId !== f.inboxId) return false;
  if (f.teamId !== null && c.teamId !== f.teamId) return false;
  if (f.label && !c.labels.includes(f.label)) return false;
  return true;
}

function filterQuery(f: Filters, cursor?: string) {
  return query({
    assignee: f.tab === 'mine' ? 'me' : f.tab === 'unassigned' ? 'none' : undefined,
    status: f.status || undefined,
    inboxId: f.inboxId ?? undefined,
    teamId: f.teamId ?? undefined,
    label: f.label || undefined,
    q: f.q.trim() || undefined,
    cursor,
    limit: PAGE,
  });
}

let generation = 0;
export async function loadConversations(more = false): Promise<void> {
  const mine = ++generation;
  listLoading.value = true;
  listError.value = null;
  try {
    const page = await api<Page<Conversation>>('GET', `/conversations${filterQuery(filters.value, more ? (nextCursor.value ?? undefined) : undefined)}`);
    if (mine !== generation) return;
    rememberContacts(page.items.map((c) => c.contact));
    ensureContactNames(page.items.filter((c) => !c.contact).map((c) => c.contactId));
    const merged = more ? [...conversations.value, ...page.items.filter((c) => !conversations.value.some((o) => o.id === c.id))] : page.items;
    conversations.value = merged;
    nextCursor.value = page.nextCursor;
  } catch (error) {
    if (mine === generation) listError.value = errorText(error);
  } finally {
    if (mine === generation) listLoading.value = false;
  }
}

export function setFilters(change: Partial<Filters>): void {
  filters.value = { ...filters.value, ...change };
  void loadConversations();
}

/** A conversation changed (event or our own action): place it where the filters and its activity say. */
export function upsertConversation(c: Conversation): void {
  const current = conversations.value;
  const existing = current.find((o) => o.id === c.id);
  // An event replayed after a newer one must not take the list back in time.
  if (existing && existing.lastActivityAt > c.lastActivityAt) c = { ...c, lastActivityAt: existing.lastActivityAt };
  const merged = { ...existing, ...c, contact: c.contact ?? existing?.contact };
  if (openedConversation.value?.id === c.id) openedConversation.value = merged;
  const rest = current.filter((o) => o.id !== c.id);
  if (!matches(merged)) {
    if (existing) conversations.value = rest;
    return;
  }
  // Whether a new conversation matches a search is the server's call (message text): the next search shows it.
  if (!existing && filters.value.q.trim()) return;
  // Beyond the loaded pages? Then the next page will bring it, unless it is newer than the last one we show.
  const last = rest.at(-1);
  if (!existing && nextCursor.value && last && newestFirst(merged, last) > 0) return;
  conversations.value = [...rest, merged].sort(newestFirst);
  if (!merged.contact) ensureContactNames([merged.contactId]);
}

// ---- the open conversation's messages ----
export const messages = signal<Message[]>([]);
export const messagesCursor = signal<string | null>(null);
export const messagesLoading = signal(false);
export const messagesError = signal<string | null>(null);
/** Typing in the open conversation: operator ids (and 0 for the customer) with when it was last seen. */
export const typing = signal<Record<number, number>>({});

export async function openConversation(id: number | null): Promise<void> {
  selectedId.value = id;
  messages.value = [];
  messagesCursor.value = null;
  messagesError.value = null;
  typing.value = {};
  if (id === null) {
    openedConversation.value = null;
    return;
  }
  messagesLoading.value = true;
  try {
    const [conversation, page] = await Promise.all([api<Conversation>('GET', `/conversations/${id}`), api<Page<Message>>('GET', `/conversations/${id}/messages?limit=50`)]);
    if (selectedId.value !== id) return;
    openedConversation.value = { ...conversation, contact: conversations.value.find((c) => c.id === id)?.contact };
    ensureContactNames([conversation.contactId]);
    // Events may have arrived while we asked: keep them.
    messages.value = mergeMessages(page.items, messages.value);
    messagesCursor.value = page.nextCursor;
    if (conversation.unreadCount > 0) void markRead(id);
  } catch (error) {
    if (selectedId.value === id) messagesError.value = errorText(error);
  } finally {
    if (selectedId.value === id) messagesLoading.value = false;
  }
}

export async function loadEarlier(): Promise<void> {
  const id = selectedId.value;
  if (id === null || !messagesCursor.value) return;
  messagesLoading.value = true;
  messagesError.value = null;
  try {
    const page = await api<Page<Message>>('GET', `/conversations/${id}/messages${query({ cursor: messagesCursor.value, limit: 50 })}`);
    if (selectedId.value !== id) return;
    messages.value = mergeMessages(page.items, messages.value);
    messagesCursor.value = page.nextCursor;
  } catch (error) {
    messagesError.value = errorText(error);
  } finally {
    messagesLoading.value = false;
  }
}

/** Delivery statuses in the order they move (as the server's message-status.ts ranks them). */
const STATUS_RANK: Record<Message['status'], number> = { received: 0, note: 0, queued: 1, sending: 2, sent: 3, failed: 4, unknown: 4, delivered: 5, read: 6 };
const attemptOf = (m: Message) => Number((m.meta as { retries?: unknown } | null)?.retries ?? 0);

/**
 * Whether `known` is ahead of `arrived`, so `arrived` is stale: a reply's POST answer (queued) can reach the browser
 * after the socket said it was sent. A status only moves forward within one attempt; a Retry starts a new attempt.
 */
function isAhead(known: Message, arrived: Message): boolean {
  if (attemptOf(known) !== attemptOf(arrived)) return attemptOf(known) > attemptOf(arrived);
  return STATUS_RANK[known.status] > STATUS_RANK[arrived.status];
}

function mergeMessages(a: Message[], b: Message[]): Message[] {
  const byId = new Map<number, Message>();
  for (const m of [...a, ...b]) {
    const known = byId.get(m.id);
    // Unchanged messages keep their object, so the list redraws only the ones that changed.
    byId.set(m.id, !known ? m : isAhead(known, m) ? known : { ...known, ...m });
  }
  return [...byId.values()].sort((x, y) => x.createdAt.localeCompare(y.createdAt) || x.id - y.id);
}

export function upsertMessage(m: Message): void {
  if (m.conversationId !== selectedId.value) return;
  messages.value = mergeMessages(messages.value, [m]);
  if (m.direction === 'in') {
    const { 0: _customer, ...rest } = typing.value;
    typing.value = rest;
  }
}

let reading: Promise<void> | null = null;
export async function markRead(id: number): Promise<void> {
  if (reading) return;
  reading = api<Conversation>('POST', `/conversations/${id}/read`).then(upsertConversation, () => {}).finally(() => (reading = null));
  await reading;
}

/**
 * How long "is typing…" stays up after the last signal. Senders repeat it while typing (the widget every 2 s,
 * operators every 3 s) and may never send a stop (a closed tab), so it fades by itself.
 */
export const TYPING_SHOWN_MS = 6000;

export function setTyping(operatorId: number, on: boolean): void {
  const next = { ...typing.value };
  const at = Date.now();
  if (on) next[operatorId] = at;
  else delete next[operatorId];
  typing.value = next;
  if (on) {
    setTimeout(() => {
      // Only if no newer signal came meanwhile (nor another conversation was opened, which clears them all).
      if (typing.value[operatorId] !== at) return;
      const { [operatorId]: _gone, ...rest } = typing.value;
      typing.value = rest;
    }, TYPING_SHOWN_MS);
  }
}

export const changeConversation = async (id: number, change: Record<string, unknown>) => upsertConversation(await api<Conversation>('PATCH', `/conversations/${id}`, change));
export const addLabel = async (id: number, label: string) => upsertConversation(await api<Conversation>('POST', `/conversations/${id}/labels`, { labels: [label] }));
export const removeLabel = async (id: number, label: string) => upsertConversation(await api<Conversation>('DELETE', `/conversations/${id}/labels/${encodeURIComponent(label)}`));
