import type { InboxConfig } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';

export const DEFAULT_GRAPH_API_URL = 'https://graph.facebook.com/v21.0';

export interface WhatsAppCloudSettings {
  /** The business phone number's id (not the number itself), from the app's WhatsApp → API set-up page. */
  phoneNumberId: string;
  /** The WhatsApp Business Account id: templates are listed from it. */
  businessAccountId?: string;
  /** Graph API base with version; tests point it at a local fake. */
  graphApiUrl: string;
  /** A system-user access token with whatsapp_business_messaging (and _management for templates). */
  accessToken: string;
  /** The Meta app's secret: webhook payloads are signed with it (X-Hub-Signature-256). */
  appSecret: string;
  /** What we told Meta to send in the webhook verification handshake (hub.verify_token). */
  verifyToken: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * Reads a WhatsApp Cloud inbox: ids in settings, secrets in credentials. The verify token defaults to the
 * inbox's own secret, so an admin has one less thing to invent.
 */
export function whatsappCloudSettings(inbox: InboxConfig): WhatsAppCloudSettings {
  const phoneNumberId = text(inbox.settings.phoneNumberId);
  const accessToken = text(inbox.credentials.accessToken);
  const appSecret = text(inbox.credentials.appSecret);
  const missing = [!phoneNumberId && 'settings.phoneNumberId', !accessToken && 'credentials.accessToken', !appSecret && 'credentials.appSecret'].filter(Boolean);
  if (missing.length) throw new ChannelError('AUTH', `This WhatsApp Cloud inbox needs ${missing.join(', ')}`);
  return {
    phoneNumberId: phoneNumberId!,
    businessAccountId: text(inbox.settings.businessAccountId),
    graphApiUrl: (text(inbox.settings.graphApiUrl) ?? DEFAULT_GRAPH_API_URL).replace(/\/+$/, ''),
    accessToken: accessToken!,
    appSecret: appSecret!,
    verifyToken: text(inbox.credentials.verifyToken) ?? inbox.secret,
  };
}
