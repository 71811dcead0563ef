import { signal } from '@preact/signals';
import { io, type Socket } from 'socket.io-client';
import type { Campaign, CampaignStats } from '../components/marketing/types.ts';
import { connection } from './live.ts';

/**
 * The marketers' socket (`/marketers`): campaign state changes and live progress. Progress is a full snapshot
 * each time, so after a reconnect we simply ask for the current one of each campaign on screen.
 */
export const campaignProgress = signal<Record<number, CampaignStats>>({});
/** The latest campaign pushed by `campaign.updated` (any campaign); screens showing it merge it in. */
export const campaignUpdate = signal<Campaign | null>(null);
/** The latest pushed version of each campaign, by id (a page may open after its campaign's last push). */
export const campaignUpdates = signal<Record<number, Campaign>>({});
export const marketersConnected = signal(false);

let socket: Socket | null = null;
const watched = new Set<number>();

function remember(stats: CampaignStats): void {
  campaignProgress.value = { ...campaignProgress.value, [stats.campaignId]: stats };
}

async function ask(id: number): Promise<void> {
  if (!socket?.connected) return;
  const answer = (await socket.timeout(10_000).emitWithAck('campaign.stats', { campaignId: id }).catch(() => null)) as CampaignStats | { error: unknown } | null;
  if (answer && !('error' in answer)) remember(answer);
}

/** `drivesLiveDot`: for marketers this is the only socket, so the rail's live dot shows its state. */
export function connectMarketers(drivesLiveDot: boolean): void {
  if (socket) return;
  const s = io('/marketers', { withCredentials: true, transports: ['websocket', 'polling'], reconnectionDelayMax: 10_000 });
  socket = s;
  s.on('connect', () => {
    marketersConnected.value = true;
    if (drivesLiveDot) connection.value = 'live';
    for (const id of watched) void ask(id);
  });
  s.on('disconnect', () => {
    marketersConnected.value = false;
    if (drivesLiveDot) connection.value = 'offline';
  });
  s.on('connect_error', () => {
    if (drivesLiveDot) connection.value = 'offline';
  });
  s.on('campaign.progress', (stats: CampaignStats) => remember(stats));
  s.on('campaign.updated', (event: { campaign?: Campaign }) => {
    if (!event.campaign) return;
    campaignUpdate.value = event.campaign;
    campaignUpdates.value = { ...campaignUpdates.value, [event.campaign.id]: event.campaign };
  });
}

export function disconnectMarketers(): void {
  socket?.disconnect();
  socket = null;
  watched.clear();
  marketersConnected.value = false;
  campaignUpdates.value = {};
  campaignProgress.value = {};
}

/** A campaign page is showing `id`: keep its progress current (also after reconnects). Returns the undo. */
export function watchCampaign(id: number): () => void {
  watched.add(id);
  void ask(id);
  return () => watched.delete(id);
}

/** For tests and debugging: drop the connection as a network would (the client reconnects by itself). */
(window as unknown as { __crmMarketerSocket?: () => Socket | null }).__crmMarketerSocket = () => socket;
