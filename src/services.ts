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
import { ReplyService, replyWindowOf } from './inbox/reply.service.ts';
import { CannedResponsesService } from './operators/canned-responses.service.ts';
import { LabelsService } from './inbox/labels.service.ts';
import { OperatorsService } from './operators/operators.service.ts';
import { SessionsService } from './operators/sessions.service.ts';
import { TeamsService } from './operators/teams.service.ts';
import { AttachmentStore } from './store/attachment-store.ts';
import { CampaignEvents } from './campaigns/campaign-events.ts';
import { CampaignsService } from './campaigns/campaigns.service.ts';
import { systemClock } from './campaigns/clock.ts';
import { ConsentService } from './campaigns/consent.service.ts';
import { CampaignProgress } from './campaigns/progress.ts';
import { SegmentsService } from './campaigns/segments.service.ts';
import { TemplatesService } from './campaigns/templates.service.ts';
import { TrackingService } from './campaigns/tracking.service.ts';
import { DbCursorStore } from './store/cursor-store.ts';
import { RedisLeases } from './store/redis-leases.ts';
import { VisitorRelay } from './gateway/visitor-relay.ts';

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
  // Bound to the widget socket by whichever process has one (app.ts, workers/main.ts).
  const visitors = new VisitorRelay();
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
      telegram: { apiRoot: config.TELEGRAM_API_ROOT, pollTimeoutSeconds: config.TELEGRAM_POLL_TIMEOUT_S },
      whatsappWeb: {
        dataDir: config.DATA_DIR,
        chromePath: config.CHROME_PATH,
        sendsPerMinute: config.WHATSAPP_WEB_SENDS_PER_MINUTE,
        sendsPerChatPerMinute: config.WHATSAPP_WEB_SENDS_PER_CHAT_PER_MINUTE,
        reconnectMinMs: config.WHATSAPP_WEB_RECONNECT_MIN_MS,
        reconnectMaxMs: config.WHATSAPP_WEB_RECONNECT_MAX_MS,
      },
      sms: { enquireLinkMs: config.SMS_ENQUIRE_LINK_MS, requestTimeoutMs: config.SMS_REQUEST_TIMEOUT_MS, reconnectMinMs: config.SMS_RECONNECT_MIN_MS, reconnectMaxMs: config.SMS_RECONNECT_MAX_MS },
      visitors,
    },
    new RedisLeases(redis, config.REDIS_PREFIX),
    { leaseTtlMs: config.RECEIVER_LEASE_MS },
  );
  const contacts = new ContactsService(orm);
  // Set by the gateway once it exists: moves operators' sockets in and out of inbox rooms.
  const access = { changed: async () => {}, operatorChanged: (_operatorId: number) => {} };
  const ingest = new IngestService(orm, events, config.INGEST_LANES ?? (isPostgres(config) ? 4 : 1));
  /** Campaigns read the time here; tests move it by hand (quiet hours, schedules, birthdays). */
  const clock = systemClock();
  const campaignEvents = new CampaignEvents();
  const consent = new ConsentService(orm);
  const segments = new SegmentsService(orm, clock);
  const campaigns = new CampaignsService({ orm, queues, events: campaignEvents, segments, clock, batchSize: config.CAMPAIGN_BATCH_SIZE });
  const progress = new CampaignProgress(campaigns, campaignEvents, config.CAMPAIGN_PROGRESS_MS);
  const tracking = new TrackingService(orm, consent, () => progress);
  /** Where every adapter hands what arrives. A delivery report that matches no reply may be for a campaign send. */
  const sink: InboundSink = {
    message: (m) => ingest.message(m),
    status: async (s) => {
      const result = await ingest.status(s);
      return result.updated ? result : tracking.status(s);
    },
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
    visitors,
    channels,
    channelStates,
    inboxChanges,
    access,
    ingest,
    replies: new ReplyService(orm, events, queues.sendMessage, attachments, replyWindowOf(channels)),
    conversations: new ConversationService(orm, events),
    contacts,
    merge: new MergeService(orm, events, contacts),
    sessions: new SessionsService(orm, config.SESSION_TTL_HOURS),
    operators: new OperatorsService(orm),
    teams: new TeamsService(orm),
    canned: new CannedResponsesService(orm),
    labels: new LabelsService(orm, events),
    inboxes: new InboxesService(orm, channels, () => access.changed(), { states: channelStates, changes: inboxChanges }),
    clock,
    campaignEvents,
    consent,
    segments,
    templates: new TemplatesService(orm, channels, clock, config.PUBLIC_URL),
    campaigns,
    progress,
    tracking,
  };
}

export type Services = ReturnType<typeof createServices>;
