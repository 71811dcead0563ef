import smpp, { type Pdu, type Session } from 'smpp';
import { sleep } from '../abortable-sleep.ts';
import type { ChannelStatus } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import type { SmppSettings } from './sms-settings.ts';

export interface SmppOptions {
  /** enquire_link every this often, so a dead TCP connection (a NAT dropping it) is noticed. */
  enquireLinkMs: number;
  /** How long a request (bind, submit_sm) waits for its response. */
  requestTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/** Bind failures that retrying does not fix (SMPP 3.4 §5.1.3): the admin has to. */
const AUTH_FAILURES = new Set([0x0d, 0x0e, 0x0f]);

/**
 * One SMPP bind kept alive: connect, bind (transceiver to receive and send; transmitter to only send, so the SMS
 * centre never hands this session a customer message or receipt), enquire_link keep-alive, reconnect with doubling
 * backoff. Requests wait for their response with a timeout (the package itself waits forever).
 */
export class SmppConnection {
  readonly #settings: SmppSettings;
  readonly #mode: 'transceiver' | 'transmitter';
  readonly #options: SmppOptions;
  readonly #onPdu: (pdu: Pdu, session: Session) => void;
  readonly #onState: (status: ChannelStatus, detail?: string) => void;
  #session: Session | null = null;
  #bound = false;
  #waiters: { wake: () => void; fail: (error: ChannelError) => void }[] = [];
  #lastError = '';

  constructor(settings: SmppSettings, mode: 'transceiver' | 'transmitter', options: SmppOptions, handlers: { onPdu?: (pdu: Pdu, session: Session) => void; onState?: (status: ChannelStatus, detail?: string) => void } = {}) {
    this.#settings = settings;
    this.#mode = mode;
    this.#options = options;
    this.#onPdu = handlers.onPdu ?? (() => {});
    this.#onState = handlers.onState ?? (() => {});
  }

  /** Keeps a bind until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let delay = this.#options.reconnectMinMs;
    while (!signal.aborted) {
      this.#onState('connecting');
      const outcome = await this.#once(signal);
      if (signal.aborted) break;
      if (outcome.bound) delay = this.#options.reconnectMinMs;
      // Wrong credentials will not fix themselves: whoever waits to send hears it now, not at their timeout.
      if (outcome.auth) for (const waiter of this.#waiters.splice(0)) waiter.fail(new ChannelError('AUTH', outcome.reason));
      const wait = outcome.auth ? this.#options.reconnectMaxMs : delay;
      this.#onState(outcome.auth ? 'error' : 'disconnected', `${outcome.reason}; reconnecting in ${Math.round(wait / 1000)} s`);
      await sleep(wait, signal);
      delay = Math.min(delay * 2, this.#options.reconnectMaxMs);
    }
    this.#onState('disconnected', 'stopped');
  }

  /** One connection, from connect to close: resolves when it is gone. */
  #once(signal: AbortSignal): Promise<{ bound: boolean; auth?: boolean; reason: string }> {
    return new Promise((resolve) => {
      let bound = false;
      let settled = false;
      const session = smpp.connect({ url: this.#settings.url, auto_enquire_link_period: this.#options.enquireLinkMs });
      const finish = (outcome: { bound: boolean; auth?: boolean; reason: string }) => {
        if (settled) return;
        settled = true;
        this.#session = null;
        this.#bound = false;
        signal.removeEventListener('abort', abort);
        clearTimeout(bindTimer);
        session.destroy();
        resolve(outcome);
      };
      const abort = () => {
        // Say goodbye properly when we can (unbind), but never wait long for it.
        if (!bound || !session.send(new smpp.PDU('unbind'), () => finish({ bound, reason: 'stopped' }))) return finish({ bound, reason: 'stopped' });
        setTimeout(() => finish({ bound, reason: 'stopped' }), 500).unref();
      };
      signal.addEventListener('abort', abort, { once: true });
      const bindTimer = setTimeout(() => finish({ bound, reason: 'the SMS centre did not answer the bind in time' }), this.#options.requestTimeoutMs);
      session.on('error', (error: Error) => {
        this.#lastError = error.message;
        finish({ bound, reason: `connection failed: ${error.message}` });
      });
      session.on('close', () => finish({ bound, reason: bound ? 'the SMS centre closed the connection' : `could not connect${this.#lastError ? `: ${this.#lastError}` : ''}` }));
      session.on('connect', () => {
        session.send(new smpp.PDU(`bind_${this.#mode}`, { system_id: this.#settings.systemId, password: this.#settings.password, system_type: this.#settings.systemType, interface_version: 0x34 }), (response: Pdu) => {
          clearTimeout(bindTimer);
          if (response.command_status !== 0) {
            const auth = AUTH_FAILURES.has(response.command_status);
            return finish({ bound, auth, reason: `the SMS centre refused the bind (status 0x${response.command_status.toString(16)}${auth ? ': check system id and password' : ''})` });
          }
          bound = true;
          this.#session = session;
          this.#bound = true;
          this.#onState('connected');
          for (const waiter of this.#waiters.splice(0)) waiter.wake();
        });
      });
      session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
      session.on('unbind', (pdu: Pdu) => {
        session.send(pdu.response());
        finish({ bound, reason: 'the SMS centre unbound' });
      });
      session.on('pdu', (pdu: Pdu) => {
        if (!pdu.isResponse() && pdu.command !== 'enquire_link' && pdu.command !== 'unbind') this.#onPdu(pdu, session);
      });
    });
  }

  /** Sends a request on the bound session and waits for its response; not bound in time or no answer is TEMPORARY. */
  async request(command: string, params: Record<string, unknown>): Promise<Pdu> {
    const session = await this.#ready();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ChannelError('TEMPORARY', `The SMS centre did not answer ${command} within ${this.#options.requestTimeoutMs} ms`)), this.#options.requestTimeoutMs);
      const sent = session.send(new smpp.PDU(command, params), (response: Pdu) => {
        clearTimeout(timer);
        resolve(response);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new ChannelError('TEMPORARY', 'The connection to the SMS centre is closed'));
      }
    });
  }

  async #ready(): Promise<Session> {
    if (this.#bound && this.#session) return this.#session;
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: (error: ChannelError) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new ChannelError('TEMPORARY', `Not bound to the SMS centre${this.#lastError ? ` (${this.#lastError})` : ''}`));
      }, this.#options.requestTimeoutMs);
      this.#waiters.push(waiter);
    });
    return this.#session!;
  }
}
