import type { Server } from 'socket.io';
import type { CampaignEvents } from '../campaigns/campaign-events.ts';
import type { CampaignsService } from '../campaigns/campaigns.service.ts';
import type { Actor } from '../inbox/access.ts';
import type { SessionsService } from '../operators/sessions.service.ts';
import { SESSION_COOKIE } from '../operators/sessions.service.ts';
import { cookieValue } from './operator.gateway.ts';

/** Marketers (and admins) get campaign changes and live progress here; operators are refused. */
export const MARKETER_NAMESPACE = '/marketers';
export const CAMPAIGNS_ROOM = 'campaigns';
const personRoom = (operatorId: number) => `operator:${operatorId}`;

const ALLOWED = new Set(['admin', 'marketer']);

/**
 * The marketers' Socket.io namespace. Events: `campaign.updated` `{ campaign }` on every state change and
 * `campaign.progress` (CampaignStats: counts by status and channel, at most every CAMPAIGN_PROGRESS_MS while sends
 * happen). Progress is a full snapshot, so there is no replay: after a reconnect, ask `campaign.stats`.
 */
export function attachMarketerGateway(io: Server, deps: { sessions: SessionsService; campaigns: CampaignsService }) {
  const nsp = io.of(MARKETER_NAMESPACE);

  nsp.use(async (socket, next) => {
    const token = (socket.handshake.auth?.token as string | undefined) ?? cookieValue(socket.handshake.headers.cookie, SESSION_COOKIE);
    const actor = token ? await deps.sessions.authenticate(decodeURIComponent(token)).catch(() => null) : null;
    if (!actor || !ALLOWED.has(actor.role)) return next(new Error(actor ? 'FORBIDDEN' : 'UNAUTHENTICATED'));
    socket.data.actor = actor;
    next();
  });

  nsp.on('connection', async (socket) => {
    const actor = socket.data.actor as Actor;
    /** `campaign.stats({ campaignId })` → CampaignStats, or `{ error }`. */
    socket.on('campaign.stats', async (request: { campaignId?: unknown }, ack?: (answer: unknown) => void) => {
      if (typeof ack !== 'function') return;
      const id = Number(request?.campaignId);
      if (!Number.isInteger(id) || id < 1) return ack({ error: { code: 'VALIDATION', message: 'campaignId must be a campaign id' } });
      try {
        ack(await deps.campaigns.stats(id));
      } catch (error) {
        ack({ error: { code: (error as { code?: string }).code ?? 'UNAVAILABLE', message: (error as Error).message } });
      }
    });
    await socket.join([CAMPAIGNS_ROOM, personRoom(actor.id)]);
  });

  return {
    /** Role changed or deactivated: close their sockets (they reconnect and are checked again). */
    disconnectOperator(operatorId: number): void {
      nsp.in(personRoom(operatorId)).disconnectSockets(true);
    },
  };
}

/** Pushes campaign events to every marketer socket on every server process (through the Redis streams adapter). */
export function campaignFanOut(io: Server, events: CampaignEvents): () => void {
  const marketers = io.of(MARKETER_NAMESPACE);
  return events.subscribe((event) => {
    marketers.to(CAMPAIGNS_ROOM).emit(event.type, { campaignId: event.campaignId, ...event.payload });
  });
}
