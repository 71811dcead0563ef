import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { InboundSink } from '../channels/channel-adapter.ts';
import { ChannelManager } from '../channels/channel-manager.ts';
import type { Queues } from '../workers/queues.ts';
import { isPostgres, type Config } from './config.ts';
import { ContactsService } from './contacts/contacts.service.ts';
import { MergeService } from './contacts/merge.service.ts';
import { markUnreachable } from './contacts/unreachable.ts';
import { ChannelStates } from './inbox/channel-states.ts';
import { ConversationService } from './inbox/conversation.service.ts';
import { InboxChanges } from './inbox/inbox-changes.ts';
import { InboxEvents } from './inbox/events.ts';
import { InboxesService } from './inbox/inboxes.service.ts';
import { IngestService } from './inbox/ingest.service.ts';
import { ReplyService } from './inbox/reply.service.ts';
import { CannedResponsesService } from './operators/canned-responses.service.ts';
import { OperatorsService } from './operators/operators.service.ts';
import { SessionsService } from './operators/sessions.service.ts';
import { TeamsService } from './operators/teams.service.ts';
import { AttachmentStore } from './store/attachment-store.ts';
import { DbCursorStore } from './store/cursor-store.ts';
import { RedisLeases } from './store/redis-leases.ts';

export interface Infrastructure {
  config: Config;
  orm: MikroORM;
  queues: Queues;
  /** For what every process shares beyond queues: receiver leases, channel states, inbox change notices. */
  redis: Redis;
}

/** Every service, wired once; the HTTP app, the gateway and the workers all take this. */
export function createServices({ config, orm, queues, redis }: Infrastructure) {
  const events = new InboxEvents();
  const attachments = new AttachmentStore(config.DATA_DIR, config.ATTACHMENT_MAX_BYTES);
  const channelStates = new ChannelStates(redis, config.REDIS_PREFIX);
  const inboxChanges = new InboxChanges(redis, config.REDIS_PREFIX);
  const channels = new ChannelManager(
    {
      callbackTimeoutMs: config.CALLBACK_TIMEOUT_MS,
      attachments,
      publicUrl: config.PUBLIC_URL,
      cursors: new DbCursorStore(orm),
      email: {
        maxMessageBytes: config.EMAIL_MAX_MESSAGE_BYTES,
        noopIntervalMs: config.EMAIL_NOOP_INTERVAL_MS,
        noopTimeoutMs: config.EMAIL_NOOP_TIMEOUT_MS,
        reconnectMinMs: config.EMAIL_RECONNECT_MIN_MS,
        reconnectMaxMs: config.EMAIL_RECONNECT_MAX_MS,
        connectTimeoutMs: config.EMAIL_CONNECT_TIMEOUT_MS,
      },
    },
    new RedisLeases(redis, config.REDIS_PREFIX),
    { leaseTtlMs: config.RECEIVER_LEASE_MS },
  );
  const contacts = new ContactsService(orm);
  // Set by the gateway once it exists: moves operators' sockets in and out of inbox rooms.
  const access = { changed: async () => {}, operatorChanged: (_operatorId: number) => {} };
  const ingest = new IngestService(orm, events, config.INGEST_LANES ?? (isPostgres(config) ? 4 : 1));
  /** Where every adapter hands what arrives. */
  const sink: InboundSink = {
    message: (m) => ingest.message(m),
    status: (s) => ingest.status(s),
    edit: (e) => ingest.edit(e),
    state: (s) => channelStates.report(s),
    unreachable: (u) => markUnreachable(orm, events, u),
  };
  return {
    config,
    sink,
    orm,
    queues,
    events,
    attachments,
    channels,
    channelStates,
    inboxChanges,
    access,
    ingest,
    replies: new ReplyService(orm, events, queues.sendMessage, attachments),
    conversations: new ConversationService(orm, events),
    contacts,
    merge: new MergeService(orm, events, contacts),
    sessions: new SessionsService(orm, config.SESSION_TTL_HOURS),
    operators: new OperatorsService(orm),
    teams: new TeamsService(orm),
    canned: new CannedResponsesService(orm),
    inboxes: new InboxesService(orm, channels, () => access.changed(), { states: channelStates, changes: inboxChanges }),
  };
}

export type Services = ReturnType<typeof createServices>;
