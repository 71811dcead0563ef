/** What the widget keeps per server and inbox in the site's localStorage (so history survives a reload). */
export interface Stored {
  token?: string;
  /** What the visitor typed in the pre-chat or offline form. */
  profile?: { name?: string; email?: string };
  /** The newest message the visitor has seen with the window open (for the unread badge). */
  lastSeenId?: number;
}

export function storage(server: string, inboxId: string) {
  const key = `crm-widget:${server}:${inboxId}`;
  const read = (): Stored => {
    try {
      return JSON.parse(localStorage.getItem(key) ?? '{}') as Stored;
    } catch {
      return {}; // Storage blocked (private mode, sandboxed frame): the widget still works for this page view.
    }
  };
  return {
    read,
    update(patch: Partial<Stored>): void {
      try {
        localStorage.setItem(key, JSON.stringify({ ...read(), ...patch }));
      } catch {
        // See above.
      }
    },
  };
}
