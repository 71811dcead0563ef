import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { ChannelKind, ConnectionCheck, InboxConfig } from '../../channels/channel-adapter.ts';
import { ChannelError } from '../../channels/channel-error.ts';
import type { ChannelManager } from '../../channels/channel-manager.ts';
import { SUPPORTED_KINDS } from '../../channels/registry.ts';
import { badRequest, notFound } from '../errors.ts';
import { operatorsById } from '../operators/teams.service.ts';
import { Inbox, Team } from '../store/entities/index.ts';
import { visibleInboxIds, type Actor } from './access.ts';
import type { ChannelStateDto, ChannelStates } from './channel-states.ts';
import type { InboxChanges } from './inbox-changes.ts';

export const inboxDto = (i: Inbox) => ({
  id: i.id,
  kind: i.kind,
  name: i.name,
  settings: i.settings,
  /** Which credentials are set (their values are never returned). */
  credentialsSet: Object.keys(i.credentials ?? {}).sort(),
  memberIds: i.members.isInitialized() ? i.members.getItems().map((m) => m.id).sort((a, b) => a - b) : [],
  teamIds: i.teams.isInitialized() ? i.teams.getItems().map((t) => t.id).sort((a, b) => a - b) : [],
  createdAt: i.createdAt.toISOString(),
});
export type InboxDto = ReturnType<typeof inboxDto> & {
  /** Admins only: the latest connection state its channel reported (null: none yet, or a channel without one). */
  state?: ChannelStateDto | null;
};

export const inboxConfig = (i: Inbox): InboxConfig => ({ id: i.id, kind: i.kind as ChannelKind, name: i.name, settings: i.settings, secret: i.secret, credentials: i.credentials, updatedAt: i.updatedAt, createdAt: i.createdAt });

/** What "test connection" answers: each connection the channel needs, and whether it worked. */
export interface ConnectionTest {
  ok: boolean;
  checks: ConnectionCheck[];
}

export interface InboxInput {
  kind?: string;
  name?: string;
  settings?: Record<string, unknown>;
  credentials?: Record<string, string>;
  memberIds?: number[];
  teamIds?: number[];
}

const newSecret = () => randomBytes(32).toString('base64url');
export const tokenDigest = (token: string) => createHash('sha256').update(token).digest();
/** How long an API inbox's token digest is kept: a rotated secret stops working within this on other servers. */
const TOKEN_CACHE_MS = 5000;

/** Admins configure inboxes; each change rebuilds the inbox's adapter and tells the gateway who may now see it. */
export class InboxesService {
  readonly #orm: MikroORM;
  readonly #channels: ChannelManager;
  readonly #onAccessChanged: () => Promise<void>;
  readonly #digests = new Map<number, { digest: Buffer | null; until: number }>();
  readonly #states?: ChannelStates;
  readonly #changes?: InboxChanges;

  constructor(orm: MikroORM, channels: ChannelManager, onAccessChanged: () => Promise<void>, shared: { states?: ChannelStates; changes?: InboxChanges } = {}) {
    this.#orm = orm;
    this.#channels = channels;
    this.#onAccessChanged = onAccessChanged;
    this.#states = shared.states;
    this.#changes = shared.changes;
  }

  async list(actor: Actor): Promise<InboxDto[]> {
    const em = this.#orm.em.fork();
    const visible = await visibleInboxIds(em, actor);
    const inboxes = await em.find(Inbox, visible === null ? {} : { id: { $in: visible } }, { populate: ['members', 'teams'], orderBy: { id: 'asc' } });
    if (actor.role !== 'admin' || !this.#states) return inboxes.map(inboxDto);
    const states = await this.#states.all();
    return inboxes.map((i) => ({ ...inboxDto(i), state: states.get(i.id) ?? null }));
  }

  /** `withState`: the caller is an admin, who also sees the channel's connection state. */
  async get(id: number, withState = false): Promise<InboxDto> {
    const inbox = await this.#orm.em.fork().findOne(Inbox, id, { populate: ['members', 'teams'] });
    if (!inbox) throw notFound('Inbox');
    if (!withState || !this.#states) return inboxDto(inbox);
    return { ...inboxDto(inbox), state: await this.#states.get(id) };
  }

  /**
   * Checks settings and credentials with the channel without saving anything (the set-up form's "test connection").
   * `inboxId`: test changes to a saved inbox, whose stored credentials fill in what the input leaves out.
   */
  async testConnection(input: InboxInput & { kind?: string }, inboxId?: number): Promise<ConnectionTest> {
    let config: InboxConfig;
    if (inboxId !== undefined) {
      const saved = await this.#orm.em.fork().findOne(Inbox, inboxId);
      if (!saved) throw notFound('Inbox');
      if (input.kind !== undefined && input.kind !== saved.kind) throw badRequest('An inbox cannot change its kind; create a new one');
      config = { ...inboxConfig(saved), settings: input.settings ?? saved.settings, credentials: { ...saved.credentials, ...input.credentials } };
    } else {
      if (!input.kind || !SUPPORTED_KINDS.includes(input.kind as ChannelKind)) throw badRequest(`Unknown inbox kind "${input.kind}"; supported: ${SUPPORTED_KINDS.join(', ')}`);
      config = { id: 0, kind: input.kind as ChannelKind, name: input.name ?? 'test', settings: input.settings ?? {}, credentials: input.credentials ?? {}, secret: newSecret(), updatedAt: new Date() };
    }
    const adapter = this.#channels.probe(config);
    try {
      let checks: ConnectionCheck[];
      if (adapter.testConnection) checks = await adapter.testConnection();
      else if (adapter.verify) checks = await adapter.verify().then(() => [{ name: config.kind, ok: true }], (error: unknown) => [{ name: config.kind, ok: false, message: ChannelError.from(error).message }]);
      else checks = [{ name: config.kind, ok: true, message: 'This channel has nothing to connect to' }];
      return { ok: checks.every((c) => c.ok), checks };
    } finally {
      await adapter.stop();
    }
  }

  /** Creates an inbox; its secret (the API token and signing key) is returned here and never again. */
  async create(input: InboxInput & { kind: string; name: string }): Promise<InboxDto & { secret: string }> {
    if (!SUPPORTED_KINDS.includes(input.kind as ChannelKind)) throw badRequest(`Unknown inbox kind "${input.kind}"; supported: ${SUPPORTED_KINDS.join(', ')}`);
    const em = this.#orm.em.fork();
    const inbox = em.create(Inbox, { kind: input.kind, name: input.name, settings: input.settings ?? {}, credentials: input.credentials ?? {}, secret: newSecret() });
    await this.#applyAccess(em, inbox, input);
    await this.#verify(inbox);
    await em.flush();
    await this.#changed(inbox);
    return { ...inboxDto(inbox), secret: inbox.secret };
  }

  async update(id: number, input: InboxInput): Promise<InboxDto> {
    const em = this.#orm.em.fork();
    const inbox = await em.findOne(Inbox, id, { populate: ['members', 'teams'] });
    if (!inbox) throw notFound('Inbox');
    if (input.kind !== undefined && input.kind !== inbox.kind) throw badRequest('An inbox cannot change its kind; create a new one');
    if (input.name !== undefined) inbox.name = input.name;
    if (input.settings !== undefined) inbox.settings = input.settings;
    if (input.credentials !== undefined) inbox.credentials = { ...inbox.credentials, ...input.credentials };
    await this.#applyAccess(em, inbox, input);
    if (input.settings !== undefined || input.credentials !== undefined) await this.#verify(inbox);
    inbox.updatedAt = new Date();
    await em.flush();
    await this.#changed(inbox);
    return inboxDto(inbox);
  }

  /** SHA-256 of an API inbox's token (null: no such API inbox), cached briefly: it is checked on every inbound message. */
  async apiTokenDigest(inboxId: number): Promise<Buffer | null> {
    const cached = this.#digests.get(inboxId);
    if (cached && cached.until > Date.now()) return cached.digest;
    const inbox = await this.#orm.em.fork().findOne(Inbox, { id: inboxId, kind: 'api' }, { fields: ['secret'] });
    const digest = inbox ? tokenDigest(inbox.secret) : null;
    this.#digests.set(inboxId, { digest, until: Date.now() + TOKEN_CACHE_MS });
    return digest;
  }

  async rotateSecret(id: number): Promise<{ secret: string }> {
    const em = this.#orm.em.fork();
    const inbox = await em.findOne(Inbox, id);
    if (!inbox) throw notFound('Inbox');
    inbox.secret = newSecret();
    inbox.updatedAt = new Date();
    await em.flush();
    this.#digests.delete(id);
    await this.#channels.refresh(inboxConfig(inbox));
    await this.#changes?.publish(id);
    return { secret: inbox.secret };
  }

  async remove(id: number): Promise<void> {
    if ((await this.#orm.em.fork().nativeDelete(Inbox, { id })) === 0) throw notFound('Inbox');
    this.#digests.delete(id);
    await this.#channels.remove(id);
    await this.#states?.remove(id);
    await this.#changes?.publish(id);
    await this.#onAccessChanged();
  }

  /** Asks the channel whether these credentials work (a bad bot token is a 400 here, not a crash later). */
  async #verify(inbox: Inbox): Promise<void> {
    const adapter = this.#channels.probe(inboxConfig(inbox));
    if (!adapter.verify) return;
    try {
      const { displayName, settings } = await adapter.verify();
      inbox.settings = { ...inbox.settings, ...settings, ...(displayName ? { displayName } : {}) };
    } catch (error) {
      throw badRequest(`The channel did not accept these settings: ${(error as Error).message}`);
    } finally {
      await adapter.stop();
    }
  }

  async #applyAccess(em: EntityManager, inbox: Inbox, input: InboxInput): Promise<void> {
    if (input.memberIds) inbox.members.set(await operatorsById(em, input.memberIds));
    if (input.teamIds) {
      const teams = await em.find(Team, { id: { $in: [...new Set(input.teamIds)] } });
      if (teams.length !== new Set(input.teamIds).size) throw badRequest('Unknown team id(s)');
      inbox.teams.set(teams);
    }
  }

  async #changed(inbox: Inbox): Promise<void> {
    await this.#channels.refresh(inboxConfig(inbox));
    await this.#changes?.publish(inbox.id);
    await this.#onAccessChanged();
  }
}
