import { randomInt, randomUUID } from 'node:crypto';
import type { Pdu, Session } from 'smpp';
import type { ChannelAddress, ConnectionCheck, InboundSink, InboxConfig, OutboundMessage } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import { SmppConnection, type SmppOptions } from './smpp-connection.ts';
import { concatenation, ESM_DELIVERY_RECEIPT, messageText, parseReceipt, Reassembler, senderPhone, submitParts } from './smpp-messages.ts';
import type { SmsProvider } from './sms-provider.ts';
import type { SmppSettings } from './sms-settings.ts';

/** submit_sm_resp statuses (SMPP 3.4 §5.1.3) that are worth another try, or that say the number is wrong. */
const THROTTLED = new Set([0x58]);
const TEMPORARY = new Set([0x08, 0x14, 0x64]);
const BAD_DESTINATION = new Set([0x0b, 0x50, 0x51]);
/** Generic "temporary application error": the SMS centre delivers the PDU again later. */
const ESME_RX_T_APPN = 0x64;

/** A source address as the SMS centre wants it: international number (TON 1), or an alphanumeric sender id (TON 5). */
function sourceAddress(from: string) {
  const digits = from.replace(/^\+/, '');
  if (/^\d+$/.test(digits)) return { source_addr: digits, source_addr_ton: from.startsWith('+') ? 1 : 0, source_addr_npi: 1 };
  return { source_addr: from.slice(0, 11), source_addr_ton: 5, source_addr_npi: 0 };
}

/**
 * SMS over SMPP 3.4. The receiving process binds as transceiver and takes customer messages (deliver_sm) and delivery
 * receipts on that bind; it also sends on it. Any other process that sends binds as transmitter, so the SMS centre
 * never gives it a message it has nowhere to put.
 */
export class SmppProvider implements SmsProvider {
  readonly singleReceiver = true;
  readonly #inbox: InboxConfig;
  readonly #settings: SmppSettings;
  readonly #options: SmppOptions;
  readonly #reassembler = new Reassembler();
  #receiver?: { connection: SmppConnection; running: Promise<void>; abort: AbortController };
  #transmitter?: { connection: SmppConnection; running: Promise<void>; abort: AbortController };

  constructor(inbox: InboxConfig, settings: SmppSettings, options: SmppOptions) {
    this.#inbox = inbox;
    this.#settings = settings;
    this.#options = options;
  }

  async start(sink: InboundSink, signal: AbortSignal): Promise<void> {
    if (this.#receiver) return;
    const abort = new AbortController();
    const stop = () => abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    const connection = new SmppConnection(this.#settings, 'transceiver', this.#options, {
      onPdu: (pdu, session) => void this.#received(pdu, session, sink),
      onState: (status, detail) => void sink.state?.({ inboxId: this.#inbox.id, status, detail, at: new Date() })?.catch(() => {}),
    });
    this.#receiver = { connection, abort, running: connection.run(abort.signal) };
  }

  /** A customer message or a delivery receipt; answered only once stored, so a failure makes the SMS centre try again. */
  async #received(pdu: Pdu, session: Session, sink: InboundSink): Promise<void> {
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') {
      session.send(pdu.response());
      return;
    }
    try {
      if (pdu.esm_class & ESM_DELIVERY_RECEIPT) {
        const receipt = parseReceipt(pdu);
        if (receipt?.status) {
          await sink.status({ inboxId: this.#inbox.id, externalMessageId: receipt.messageId, status: receipt.status, reason: receipt.status === 'failed' ? `SMS ${receipt.stat.toLowerCase()}${receipt.error ? ` (error ${receipt.error})` : ''}` : undefined, at: new Date() });
        }
      } else {
        await this.#customerMessage(pdu, sink);
      }
      session.send(pdu.response());
    } catch {
      session.send(pdu.response({ command_status: ESME_RX_T_APPN }));
    }
  }

  async #customerMessage(pdu: Pdu, sink: InboundSink): Promise<void> {
    const source = String(pdu.source_addr ?? '');
    const phone = senderPhone(source, Number(pdu.source_addr_ton ?? 0), this.#settings.defaultCountry);
    const from = phone ?? source;
    let text = messageText(pdu);
    let sentAt = new Date();
    const part = concatenation(pdu);
    if (part) {
      const whole = this.#reassembler.add(`${from}:${part.reference}:${part.total}`, part, text);
      if (!whole) return;
      ({ text } = whole);
      sentAt = whole.first;
    }
    // SMPP gives a customer message no id of its own; the inbox needs one per message.
    await sink.message({ inboxId: this.#inbox.id, externalMessageId: `smpp-${randomUUID()}`, externalThreadId: from, sender: { externalUserId: from, phone }, text, attachments: [], sentAt, raw: { source_addr: source, destination_addr: pdu.destination_addr } });
  }

  #sender(): SmppConnection {
    if (this.#receiver) return this.#receiver.connection;
    if (!this.#transmitter) {
      const abort = new AbortController();
      const connection = new SmppConnection(this.#settings, 'transmitter', this.#options);
      this.#transmitter = { connection, abort, running: connection.run(abort.signal) };
    }
    return this.#transmitter.connection;
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    if (message.attachments.length) throw new ChannelError('REJECTED', 'SMS carries text only; send the file on another channel or as a link');
    const text = message.text ?? '';
    if (!text.trim()) throw new ChannelError('REJECTED', 'Nothing to send: the SMS has no text');
    const destination = to.externalUserId.replace(/^\+/, '');
    if (!/^\d{3,15}$/.test(destination)) throw new ChannelError('INVALID_RECIPIENT', `"${to.externalUserId}" is not a phone number an SMS can go to`);
    const connection = this.#sender();
    const ids: string[] = [];
    // One reference for all parts, so the phone puts them back together (and not with another long SMS's parts).
    const reference = randomInt(256);
    for (const part of submitParts(text, reference)) {
      const response = await connection.request('submit_sm', {
        ...sourceAddress(this.#settings.from),
        destination_addr: destination,
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        registered_delivery: 1,
        ...part,
      });
      const status = response.command_status;
      if (status !== 0) {
        const detail = `The SMS centre refused the SMS (status 0x${status.toString(16)})${ids.length ? ` after ${ids.length} of its parts were sent` : ''}`;
        if (THROTTLED.has(status)) throw new ChannelError('RATE_LIMITED', detail, { retryAfterMs: 1000 });
        if (TEMPORARY.has(status)) throw new ChannelError('TEMPORARY', detail);
        if (BAD_DESTINATION.has(status)) throw new ChannelError('INVALID_RECIPIENT', detail);
        throw new ChannelError('REJECTED', detail);
      }
      ids.push(String(response.message_id));
    }
    return { externalId: ids[0]! };
  }

  async testConnection(): Promise<ConnectionCheck[]> {
    const abort = new AbortController();
    let failure = '';
    const connection = new SmppConnection(this.#settings, 'transmitter', { ...this.#options, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 }, { onState: (status, detail) => void (status !== 'connected' && status !== 'connecting' && (failure ||= detail ?? status)) });
    const running = connection.run(abort.signal);
    try {
      await connection.request('enquire_link', {});
      return [{ name: 'smpp', ok: true }];
    } catch (error) {
      return [{ name: 'smpp', ok: false, message: failure || (error as Error).message }];
    } finally {
      abort.abort();
      await running;
    }
  }

  async stop(): Promise<void> {
    const running = [this.#receiver, this.#transmitter].filter((r) => r !== undefined);
    this.#receiver = undefined;
    this.#transmitter = undefined;
    this.#reassembler.clear();
    for (const r of running) r.abort.abort();
    await Promise.all(running.map((r) => r.running));
  }
}
