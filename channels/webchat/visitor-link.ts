/**
 * How the web-chat adapter reaches a visitor's browser, without importing Socket.io (DESIGN.md: adapters never
 * touch sockets). The server and the worker bind it to the `/widget` namespace (src/gateway/visitor-relay.ts),
 * whose Redis streams adapter carries the push to whichever server node holds the visitor's socket.
 */

/** One visitor of one widget inbox: `visitorId` is the conversation's external user id. */
export interface VisitorAddress {
  inboxId: number;
  visitorId: string;
}

/** A file as the widget shows it: `url` is signed for the visitor (see widget-files.ts). */
export interface VisitorFile {
  name: string;
  contentType: string;
  size: number;
  url: string;
}

/** A message as the widget shows it (history and live pushes use this one shape). */
export interface VisitorMessage {
  /** Our message id: the widget merges history and live pushes by it, so nothing is shown twice. */
  id: number;
  /** `in`: the visitor wrote it; `out`: an operator (or a bot) did. */
  direction: 'in' | 'out';
  text: string | null;
  attachments: VisitorFile[];
  createdAt: string;
}

export interface VisitorLink {
  /** Pushes a reply to the visitor's open widgets (none open: they see it in the history next time). */
  deliver(to: VisitorAddress, message: VisitorMessage): Promise<void>;
  /** Shows "typing…" in the visitor's widget for a few seconds. */
  typing(to: VisitorAddress): Promise<void>;
}
