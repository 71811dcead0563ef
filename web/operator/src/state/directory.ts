import { signal } from '@preact/signals';
import { api } from '../api.ts';
import type { CannedResponse, ChannelState, ContactSummary, Inbox, Label, Operator, Team } from '../types.ts';

/** Reference data every screen uses: operators, teams, inboxes (with live channel states), contact names. */
export const operators = signal<Operator[]>([]);
export const teams = signal<Team[]>([]);
export const inboxes = signal<Inbox[]>([]);
export const canned = signal<CannedResponse[]>([]);
/** The managed label catalogue (names with colours); conversations may carry other names too. */
export const labels = signal<Label[]>([]);
/** Contact names by id, filled from lists and events; bumped as a whole so lists re-render. */
export const contactNames = signal<Record<number, ContactSummary>>({});

export async function loadDirectory(): Promise<void> {
  const [ops, tms, inbs, cans] = await Promise.all([
    api<Operator[]>('GET', '/operators'),
    api<Team[]>('GET', '/teams'),
    api<Inbox[]>('GET', '/inboxes'),
    api<CannedResponse[]>('GET', '/canned-responses'),
  ]);
  void reloadLabels().catch(() => {});
  operators.value = ops;
  teams.value = tms;
  inboxes.value = inbs;
  canned.value = cans;
}

export const reloadInboxes = async () => (inboxes.value = await api<Inbox[]>('GET', '/inboxes'));
export const reloadLabels = async () => (labels.value = await api<Label[]>('GET', '/labels'));
export const labelColor = (name: string) => labels.value.find((l) => l.name === name)?.color ?? null;
export const reloadCanned = async () => (canned.value = await api<CannedResponse[]>('GET', '/canned-responses'));
export const reloadOperators = async () => (operators.value = await api<Operator[]>('GET', '/operators'));
export const reloadTeams = async () => (teams.value = await api<Team[]>('GET', '/teams'));

export function applyChannelState(state: ChannelState): void {
  inboxes.value = inboxes.value.map((inbox) => (inbox.id === state.inboxId ? { ...inbox, state } : inbox));
}

export function rememberContacts(list: (ContactSummary | undefined | null)[]): void {
  const known = contactNames.value;
  const fresh = list.filter((c): c is ContactSummary => !!c && (known[c.id]?.name !== c.name || !(c.id in known)) && !(c.name === null && known[c.id]?.name));
  if (fresh.length === 0) return;
  const next = { ...known };
  for (const c of fresh) next[c.id] = { ...next[c.id], ...c };
  contactNames.value = next;
}

const asking = new Set<number>();
/** Looks up names of contacts the list shows but we have not seen yet (a few at a time, once each). */
export function ensureContactNames(ids: number[]): void {
  for (const id of ids) {
    if (id in contactNames.value || asking.has(id)) continue;
    asking.add(id);
    api<ContactSummary>('GET', `/contacts/${id}`).then((c) => rememberContacts([{ id: c.id, name: c.name, avatarUrl: c.avatarUrl }])).catch(() => {}).finally(() => asking.delete(id));
  }
}

export const operatorName = (id: number | null) => operators.value.find((o) => o.id === id)?.name ?? null;
export const inboxOf = (id: number) => inboxes.value.find((i) => i.id === id);
