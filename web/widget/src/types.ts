/** The shapes the `/widget` socket sends (see src/gateway/widget.gateway.ts on the server). */
export interface WidgetFile {
  name: string;
  contentType: string;
  size: number;
  url: string;
}

export interface WidgetMessage {
  id: number;
  direction: 'in' | 'out';
  text: string | null;
  attachments: WidgetFile[];
  createdAt: string;
}

export interface WidgetSettings {
  title: string;
  greeting: string;
  color: string;
  preChatForm: boolean;
  maxMessageChars: number;
  maxFileBytes: number;
  allowedFileTypes: string[];
}

export interface WidgetSession {
  token: string;
  visitorId: string;
  verification: 'none' | 'verified' | 'unverified' | 'rejected';
  settings: WidgetSettings;
  preChatNeeded: boolean;
  operatorsOnline: boolean;
  messages: WidgetMessage[];
}

/** What the site may set before loading the script: `window.crmWidgetSettings = { user: { … } }`. */
export interface SiteUser {
  identifier?: string;
  name?: string;
  email?: string;
  identifierHash?: string;
}
