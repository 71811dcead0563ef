import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { AttachmentStore } from '../../src/store/attachment-store.ts';
import type { ChannelStatus, CursorStore, InboundSink } from '../channel-adapter.ts';
import { describeConnectionError } from './connection-errors.ts';
import { parseEmail } from './email-parser.ts';
import type { EmailOptions, EmailSettings } from './email-settings.ts';
import { imapClient } from './imap-client.ts';
import { oversizedEmail, unreadableEmail, type EnvelopeInfo } from './rejected-email.ts';

export interface FolderReceiverDeps {
  inboxId: number;
  folder: string;
  settings: EmailSettings;
  options: EmailOptions;
  cursors: CursorStore;
  attachments: AttachmentStore;
  sink: InboundSink;
  /** Mail that arrived from this moment on is imported the first time the folder is read. */
  importSince: Date;
  report(status: ChannelStatus, detail?: string): void;
}

/** Our place in a folder: UIDs mean something only under the UIDVALIDITY they were read with (RFC 3501 §2.3.1.1). */
interface FolderCursor {
  uidValidity: string;
  lastUid: number;
  /** When mail was last read: a resync after a UIDVALIDITY change re-reads from a day before. */
  at: string;
}

const DAY_MS = 86_400_000;
/** INTERNALDATE has whole seconds and SEARCH SINCE whole days: a margin keeps mail from the first minute. */
const IMPORT_MARGIN_MS = 60_000;
const ENVELOPE = { uid: true, size: true, envelope: true, internalDate: true } as const;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

const dateOf = (value: Date | string | undefined) => (value ? new Date(value) : undefined);

/**
 * Receives one IMAP folder: connects, catches up on what arrived since the stored cursor
 * (`UID FETCH last+1:*`), then waits in IDLE and fetches each new message as the server announces it.
 * A NOOP watchdog replaces a connection that silently stopped answering; any failure reconnects with
 * doubling backoff. The cursor moves past a message only once the inbox has stored it, and ingest
 * drops a message it already has (same Message-ID), so nothing is lost or stored twice.
 */
export class FolderReceiver {
  readonly #deps: FolderReceiverDeps;
  readonly #key: string;
  #failures = 0;

  constructor(deps: FolderReceiverDeps) {
    this.#deps = deps;
    this.#key = `imap:${deps.folder}`;
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { options, report, settings } = this.#deps;
    while (!signal.aborted) {
      try {
        await this.#session(signal);
      } catch (error) {
        if (signal.aborted) break;
        const problem = describeConnectionError('IMAP', settings.imap, error);
        this.#failures += 1;
        const wait = Math.min(options.reconnectMinMs * 2 ** (this.#failures - 1), options.reconnectMaxMs);
        report(problem.code === 'AUTH' ? 'error' : 'disconnected', `${this.#label()}${problem.message}; trying again in ${Math.ceil(wait / 1000)} s`);
        await sleep(wait, signal);
      }
    }
  }

  #label(): string {
    return this.#deps.settings.imap.folders.length > 1 ? `${this.#deps.folder}: ` : '';
  }

  /** One connection's life: resolves when `signal` aborts, rejects when the connection fails or dies. */
  async #session(signal: AbortSignal): Promise<void> {
    const { folder, options, report, settings } = this.#deps;
    const client = imapClient(settings, options);
    let lastError: Error | undefined;
    let failSession: (error: Error) => void = () => {};
    const ended = new Promise<Error>((resolve) => {
      failSession = (error) => {
        lastError ??= error;
        resolve(error);
      };
      client.on('error', (error: Error) => (lastError ??= error));
      client.on('close', () => resolve(lastError ?? new Error('the server closed the connection')));
    });
    const close = () => {
      try {
        client.close();
      } catch {
        // already closed
      }
    };
    signal.addEventListener('abort', close, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    try {
      report('connecting', `${this.#label()}connecting to ${settings.imap.host}:${settings.imap.port}`);
      await client.connect();
      await client.mailboxOpen(folder);

      const sync = serial(() => this.#sync(client, signal), (error) => {
        failSession(error);
        close();
      });
      // New mail announced during IDLE, or the folder re-selected with a new UIDVALIDITY.
      client.on('exists', () => void sync());
      client.on('mailboxOpen', () => void sync());
      await sync();
      this.#failures = 0;
      report('connected', `${this.#label()}receiving ${folder} as ${settings.imap.user}`);

      watchdog = setInterval(() => {
        withTimeout(client.noop(), options.noopTimeoutMs).then(
          () => void sync(), // also catches mail whose announcement was missed
          () => {
            failSession(new Error(`the connection stopped answering (no reply to NOOP within ${Math.round(options.noopTimeoutMs / 1000)} s)`));
            close();
          },
        );
      }, options.noopIntervalMs);

      const reason = await ended;
      if (!signal.aborted) throw reason;
    } finally {
      clearInterval(watchdog);
      signal.removeEventListener('abort', close);
      close();
    }
  }

  async #readCursor(): Promise<FolderCursor | null> {
    const raw = await this.#deps.cursors.get(this.#deps.inboxId, this.#key);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as FolderCursor;
    } catch {
      return null;
    }
  }

  async #saveCursor(cursor: FolderCursor): Promise<void> {
    await this.#deps.cursors.set(this.#deps.inboxId, this.#key, JSON.stringify(cursor));
  }

  /** Reads everything after the cursor, oldest first, advancing it message by message. */
  async #sync(client: ImapFlow, signal: AbortSignal): Promise<void> {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('the folder is no longer selected');
    const uidValidity = String(mailbox.uidValidity);
    // Anything at or above this UID arrived after this sync began: the next sync reads it.
    const uidNext = mailbox.uidNext ?? 1;
    const saved = await this.#readCursor();
    let messages: FetchMessageObject[];
    if (saved && saved.uidValidity === uidValidity) {
      // `N:*` always includes the highest UID, even when it is below N (RFC 3501 §6.4.8): filter.
      messages = (await client.fetchAll(`${saved.lastUid + 1}:*`, ENVELOPE, { uid: true })).filter((m) => m.uid > saved.lastUid);
    } else {
      // First read: mail since the inbox was created. UIDVALIDITY changed: every UID we knew is void, so
      // re-read since a day before the last sync; ingest keeps one copy of each Message-ID.
      const since = saved ? new Date(Date.parse(saved.at) - DAY_MS) : new Date(this.#deps.importSince.getTime() - IMPORT_MARGIN_MS);
      const found = (await client.search({ since: new Date(since.getTime() - DAY_MS) }, { uid: true })) || [];
      const listed = found.length ? await client.fetchAll(found.join(','), ENVELOPE, { uid: true }) : [];
      messages = listed.filter((m) => (dateOf(m.internalDate)?.getTime() ?? Infinity) >= since.getTime());
    }
    messages.sort((a, b) => a.uid - b.uid);

    const cursor: FolderCursor = { uidValidity, lastUid: saved?.uidValidity === uidValidity ? saved.lastUid : 0, at: new Date().toISOString() };
    for (const message of messages) {
      if (signal.aborted) return;
      await this.#deliver(client, message);
      cursor.lastUid = message.uid;
      cursor.at = new Date().toISOString();
      await this.#saveCursor(cursor);
    }
    // Nothing new: remember where the folder stands (a first read, a new UIDVALIDITY, messages deleted meanwhile).
    if (messages.length === 0 && (!saved || saved.uidValidity !== uidValidity || uidNext - 1 > cursor.lastUid)) {
      await this.#saveCursor({ ...cursor, lastUid: Math.max(cursor.lastUid, uidNext - 1) });
    }
  }

  /** Hands one message to the inbox: parsed, recorded as rejected (too large, unreadable), or a bounce report. */
  async #deliver(client: ImapFlow, message: FetchMessageObject): Promise<void> {
    const { attachments, inboxId, options, sink } = this.#deps;
    const info: EnvelopeInfo = { envelope: message.envelope, size: message.size, internalDate: dateOf(message.internalDate) };
    if ((message.size ?? 0) > options.maxMessageBytes) {
      await sink.message(oversizedEmail(inboxId, info, options.maxMessageBytes));
      return;
    }
    const fetched = await client.fetchOne(String(message.uid), { source: true }, { uid: true });
    if (!fetched || !fetched.source) return; // deleted from the folder meanwhile
    let parsed: Awaited<ReturnType<typeof parseEmail>>;
    try {
      parsed = await parseEmail(fetched.source, { inboxId, attachments, receivedAt: info.internalDate });
    } catch (error) {
      await sink.message(await unreadableEmail(inboxId, info, fetched.source, error, attachments));
      return;
    }
    if (parsed.kind === 'message') {
      await sink.message(parsed.inbound);
    } else if (parsed.kind === 'bounce') {
      const at = new Date();
      for (const recipient of parsed.recipients) {
        // Only a permanent failure (RFC 3464 Action: failed, status 5.x.x); a delay is not a bounce.
        if (recipient.action !== 'failed' && !recipient.status.startsWith('5')) continue;
        const reason = `Email bounced (${recipient.status || 'failed'}${recipient.diagnostic ? `: ${recipient.diagnostic}` : ''})`;
        if (parsed.originalMessageId) await sink.status({ inboxId, externalMessageId: parsed.originalMessageId, status: 'failed', reason, at });
        await sink.unreachable?.({ inboxId, identity: { kind: 'email', value: recipient.address }, reason, at });
      }
    }
    // Auto-replies and out-of-office notes are dropped: they never open a conversation.
  }
}

/** Runs `task` one at a time; a request while it runs makes it run once more afterwards. */
function serial(task: () => Promise<void>, onError: (error: Error) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await task();
      } while (again);
    })().finally(() => (running = null));
    running.catch(onError);
    return running;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
