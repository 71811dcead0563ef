import { randomBytes } from 'node:crypto';
import { eventually, type Session, type TestServer } from './test-server.ts';

/** JSON calls as one person, answering `{ status, body }` (the body parsed when it is JSON). */
export function caller(server: TestServer, session: Session) {
  return async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
    const response = await server.app.inject({ method, url: `/api/v1${url}`, headers: session.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
    let body: any = response.body;
    try {
      body = response.json();
    } catch {
      // not JSON (204)
    }
    return { status: response.statusCode, body };
  };
}
export type Caller = ReturnType<typeof caller>;

/** Cards reachable on a test or API inbox (their channel id `<prefix>-<i>`), created straight through the API. */
export async function cardsOn(call: Caller, inbox: { id: number; kind: string }, count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const prefix = randomBytes(3).toString('hex');
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const more = extra(i);
    const identities = [{ kind: inbox.kind, value: `${inbox.id}:${prefix}-${i}` }, ...((more.identities as unknown[]) ?? [])];
    const tags = [`batch-${prefix}`, ...((more.tags as string[]) ?? [])];
    const { status, body } = await call('POST', '/contacts', { name: `Customer ${i}`, ...more, identities, tags });
    if (status !== 201) throw new Error(`creating a card failed: ${JSON.stringify(body)}`);
    ids.push(body.id);
  }
  /** `tag`: every card of this batch has it, so a segment can select exactly them. */
  return { ids, userId: (i: number) => `${prefix}-${i}`, prefix, tag: `batch-${prefix}` };
}

/** A template, segment and campaign in one go; answers the campaign. */
export async function draftCampaign(call: Caller, options: { channels: number[]; bodies?: Record<string, unknown>; filter?: Record<string, unknown>; extra?: Record<string, unknown> }) {
  const tag = randomBytes(3).toString('hex');
  const template = await call('POST', '/templates', { name: `t-${tag}`, bodies: options.bodies ?? { default: { text: 'Hello {{ contact.first_name }}!' } } });
  if (template.status !== 201) throw new Error(`template: ${JSON.stringify(template.body)}`);
  const segment = await call('POST', '/segments', { name: `s-${tag}`, filter: options.filter ?? {} });
  if (segment.status !== 201) throw new Error(`segment: ${JSON.stringify(segment.body)}`);
  const campaign = await call('POST', '/campaigns', { name: `c-${tag}`, templateId: template.body.id, segmentId: segment.body.id, channels: options.channels, ...options.extra });
  if (campaign.status !== 201) throw new Error(`campaign: ${JSON.stringify(campaign.body)}`);
  return campaign.body as { id: number; state: string };
}

/** Waits for a campaign to reach one of `states`; answers its statistics. */
export function settledCampaign(call: Caller, id: number, states = ['completed'], ms = 45_000) {
  return eventually(async () => {
    const { body } = await call('GET', `/campaigns/${id}/stats`);
    return states.includes(body.state) ? body : undefined;
  }, ms);
}

/** An inbox created by an admin caller (one login for many inboxes: logins hash passwords, which is slow on a busy machine). */
export async function makeInbox(admin: Caller, kind: 'test' | 'api', payload: Record<string, unknown> = {}): Promise<{ id: number; kind: string; secret: string }> {
  const { status, body } = await admin('POST', '/inboxes', { kind, name: `${kind} inbox`, ...payload });
  if (status !== 201) throw new Error(`creating inbox failed: ${JSON.stringify(body)}`);
  return body;
}

/** `eventually` with room for a busy machine: campaign effects happen in workers, through queues and timers. */
export const waitFor = <T>(check: () => Promise<T | undefined | null | false>, ms = 45_000) => eventually(check, ms);
