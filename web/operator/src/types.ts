/** The API's shapes (see src/inbox/dto.ts and the route schemas on the server). */
export type Role = 'admin' | 'operator' | 'marketer';
export interface Me { id: number; role: Role; name: string; email: string }
export interface Operator { id: number; email: string; name: string; role: Role; active: boolean }
export interface Team { id: number; name: string; memberIds: number[] }
export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved';
export interface ContactSummary { id: number; name: string | null; avatarUrl?: string | null }
export interface Conversation {
  id: number;
  inboxId: number;
  contactId: number;
  contact?: ContactSummary;
  status: ConversationStatus;
  snoozedUntil: string | null;
  assigneeId: number | null;
  teamId: number | null;
  unreadCount: number;
  labels: string[];
  lastMessagePreview: string | null;
  lastActivityAt: string;
  createdAt: string;
}
export interface Attachment { key?: string; url?: string; name?: string; contentType?: string; size?: number }
export type MessageStatus = 'received' | 'note' | 'queued' | 'sending' | 'sent' | 'failed' | 'delivered' | 'read' | 'unknown';
export interface Message {
  id: number;
  conversationId: number;
  inboxId: number;
  direction: 'in' | 'out';
  authorType: 'contact' | 'operator' | 'bot' | 'system';
  operatorId: number | null;
  text: string | null;
  html: string | null;
  attachments: Attachment[];
  meta: Record<string, unknown> | null;
  externalId: string | null;
  replyToExternalId: string | null;
  status: MessageStatus;
  failureReason: string | null;
  private: boolean;
  sentAt: string | null;
  createdAt: string;
}
export interface Identity { id: number; kind: string; value: string; unreachable?: boolean | string | null }
export interface Contact {
  id: number;
  name: string | null;
  avatarUrl: string | null;
  birthday: string | null;
  language: string | null;
  timezone: string | null;
  customFields: Record<string, unknown>;
  tags: string[];
  identities: Identity[];
  createdAt: string;
}
export interface Note { id: number; body: string; authorId: number | null; createdAt: string }
export interface ChannelState { inboxId: number; status: string; detail: string | null; at: string }
export interface Inbox {
  id: number;
  kind: string;
  name: string;
  settings: Record<string, unknown>;
  credentialsSet: string[];
  memberIds: number[];
  teamIds: number[];
  state?: ChannelState | null;
}
export interface Label { id: number; name: string; color: string; description: string | null }
export interface CannedResponse { id: number; shortCode: string; content: string }
export interface Page<T> { items: T[]; nextCursor: string | null }
/** A channel a reply to a card can go out on (GET /contacts/:id/channels). */
export interface ContactChannel { inboxId: number; kind: string; name: string; conversationId: number | null; address: string | null; unreachableReason: string | null }
