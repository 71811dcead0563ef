import { UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { notFound } from '../errors.ts';
import { afterPosition, decodeCursor, page } from '../inbox/cursor.ts';
import { ConsentRecord, Contact, Suppression, type ConsentStatus, type SuppressionReason } from '../store/entities/index.ts';

export const consentDto = (c: ConsentRecord) => ({
  id: c.id,
  contactId: c.contact.id,
  channel: c.channel,
  status: c.status,
  source: c.source,
  text: c.text ?? null,
  operatorId: c.operatorId ?? null,
  campaignId: c.campaignId ?? null,
  createdAt: c.createdAt.toISOString(),
});

export const suppressionDto = (s: Suppression) => ({
  id: s.id,
  channel: s.channel,
  address: s.address,
  reason: s.reason,
  note: s.note ?? null,
  campaignId: s.campaignId ?? null,
  createdAt: s.createdAt.toISOString(),
});

export interface ConsentInput {
  channel: string;
  status: ConsentStatus;
  source: string;
  text?: string;
  operatorId?: number | null;
  campaignId?: number | null;
}

/**
 * Consent (opt-in / opt-out records per card and channel) and the suppression list (addresses never sent to).
 * The campaign send path checks them (`sendBlocker`) just before each send, so an opt-out recorded mid-campaign holds for every later send.
 */
export class ConsentService {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async record(contactId: number, input: ConsentInput, em: EntityManager = this.#orm.em.fork()) {
    const contact = await em.findOne(Contact, contactId, { fields: ['id'] });
    if (!contact) throw notFound('Contact');
    const record = em.create(ConsentRecord, { contact, channel: input.channel, status: input.status, source: input.source, text: input.text ?? null, operatorId: input.operatorId ?? null, campaignId: input.campaignId ?? null });
    await em.flush();
    return consentDto(record);
  }

  async history(contactId: number) {
    const em = this.#orm.em.fork();
    if (!(await em.findOne(Contact, contactId, { fields: ['id'] }))) throw notFound('Contact');
    const records = await em.find(ConsentRecord, { contact: contactId }, { orderBy: { id: 'desc' } });
    // The latest record per channel is what holds now.
    const current: Record<string, ConsentStatus> = {};
    for (const r of [...records].reverse()) current[r.channel] = r.status;
    return { current, records: records.map(consentDto) };
  }

  /** Adds an address to the suppression list; an address already there keeps its first reason. */
  async suppress(channel: string, address: string, reason: SuppressionReason, extra: { note?: string | null; campaignId?: number | null } = {}, em: EntityManager = this.#orm.em.fork()) {
    const existing = await em.findOne(Suppression, { channel, address });
    if (existing) return { suppression: suppressionDto(existing), created: false };
    const suppression = em.create(Suppression, { channel, address, reason, note: extra.note ?? null, campaignId: extra.campaignId ?? null });
    try {
      await em.flush();
    } catch (error) {
      // Another send suppressed the same address at the same moment: theirs stands.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const winner = await this.#orm.em.fork().findOneOrFail(Suppression, { channel, address });
      return { suppression: suppressionDto(winner), created: false };
    }
    return { suppression: suppressionDto(suppression), created: true };
  }

  async unsuppress(id: number): Promise<void> {
    if ((await this.#orm.em.fork().nativeDelete(Suppression, { id })) === 0) throw notFound('Suppression');
  }

  async listSuppressions(options: { channel?: string; q?: string; reason?: string; cursor?: string; limit: number }) {
    const em = this.#orm.em.fork();
    const where: Record<string, unknown>[] = [];
    if (options.channel) where.push({ channel: options.channel });
    if (options.reason) where.push({ reason: options.reason });
    if (options.q) where.push({ address: { $like: `%${options.q.trim().toLowerCase().replace(/[%_]/g, '')}%` } });
    if (options.cursor) where.push(afterPosition('createdAt', decodeCursor(options.cursor)));
    const found = await em.find(Suppression, { $and: where }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: options.limit + 1 });
    const { items, nextCursor } = page(found, options.limit, (s) => s.createdAt);
    return { items: items.map(suppressionDto), nextCursor };
  }
}

/** The rule, given what the store says: why a campaign may not send, or null. */
export function sendBlocker(facts: { channel: string; unreachableReason: string | null; suppressed: string | null; consent: string | null; requireOptIn: boolean }): string | null {
  if (facts.unreachableReason) return `The customer cannot be reached on this channel: ${facts.unreachableReason}`;
  if (facts.suppressed) return `On the suppression list (${facts.suppressed})`;
  if (facts.consent === 'opt-out') return `Opted out of ${facts.channel}`;
  if (facts.requireOptIn && facts.consent !== 'opt-in') return `No opt-in for ${facts.channel}`;
  return null;
}
