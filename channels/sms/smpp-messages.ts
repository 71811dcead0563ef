import type { Pdu } from 'smpp';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { DeliveryStatus } from '../channel-adapter.ts';
import { smsSegments } from './sms-segments.ts';

/** SMPP data_coding: 0 is the SMSC default alphabet (GSM 03.38, one septet per octet), 8 is UCS-2 big-endian. */
export const DATA_CODING_GSM = 0x00;
export const DATA_CODING_UCS2 = 0x08;
/** esm_class bits (SMPP 3.4 §5.2.12): a delivery receipt, and "short_message starts with a UDH". */
export const ESM_DELIVERY_RECEIPT = 0x04;
export const ESM_UDH_INDICATOR = 0x40;

export interface SubmitPart {
  short_message: string | { udh: Buffer; message: string };
  data_coding: number;
}

/**
 * The submit_sm bodies for one text: a single SMS, or parts with a concatenation UDH (IEI 0x00, 8-bit reference,
 * 3GPP TS 23.040 §9.2.3.24.1) split where sms-segments.ts says, so a part never exceeds 153 septets / 67 UCS-2 units.
 */
export function submitParts(text: string, reference: number): SubmitPart[] {
  const { encoding, parts } = smsSegments(text);
  const data_coding = encoding === 'GSM-7' ? DATA_CODING_GSM : DATA_CODING_UCS2;
  if (parts.length <= 1) return [{ short_message: text, data_coding }];
  return parts.map((message, index) => ({ short_message: { udh: Buffer.from([0x05, 0x00, 0x03, reference & 0xff, parts.length, index + 1]), message }, data_coding }));
}

/** What a delivery receipt says (the `id:… stat:… err:…` text of SMPP 3.4 Appendix B, or the receipted_message_id TLVs). */
export function parseReceipt(pdu: Pdu): { messageId: string; status: DeliveryStatus | null; stat: string; error?: string } | null {
  const text = messageText(pdu);
  const id = (pdu.receipted_message_id as string | undefined) ?? /\bid:(\S+)/i.exec(text)?.[1];
  if (!id) return null;
  const stat = (/\bstat:(\S+)/i.exec(text)?.[1] ?? stateName(pdu.message_state)).toUpperCase();
  const error = /\berr:(\S+)/i.exec(text)?.[1];
  const status: DeliveryStatus | null = stat === 'DELIVRD' ? 'delivered' : ['UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED'].includes(stat) ? 'failed' : null;
  return { messageId: String(id).replace(/\0+$/, ''), status, stat, error: error && !/^0+$/.test(error) ? error : undefined };
}

/** message_state TLV values (SMPP 5.0 §4.7.15) by name. */
function stateName(state: unknown): string {
  return ({ 2: 'DELIVRD', 3: 'EXPIRED', 4: 'DELETED', 5: 'UNDELIV', 6: 'ACCEPTD', 7: 'UNKNOWN', 8: 'REJECTD' } as Record<number, string>)[Number(state)] ?? 'UNKNOWN';
}

/** The decoded text of a deliver_sm (the smpp package decodes short_message / message_payload by data_coding). */
export function messageText(pdu: Pdu): string {
  const value = pdu.message_payload ?? pdu.short_message;
  const message = value && typeof value === 'object' && 'message' in value ? value.message : value;
  return Buffer.isBuffer(message) ? message.toString('latin1') : String(message ?? '');
}

/** Where a part of a concatenated inbound SMS belongs: from the UDH (8- or 16-bit reference) or the sar_* TLVs. */
export function concatenation(pdu: Pdu): { reference: number; total: number; sequence: number } | null {
  if (pdu.sar_msg_ref_num !== undefined && pdu.sar_total_segments > 1) return { reference: pdu.sar_msg_ref_num, total: pdu.sar_total_segments, sequence: pdu.sar_segment_seqnum };
  const udh: Buffer[] = (pdu.short_message as { udh?: Buffer[] } | undefined)?.udh ?? [];
  for (const element of udh) {
    if (element[0] === 0x00 && element.length >= 5) return { reference: element[2]!, total: element[3]!, sequence: element[4]! };
    if (element[0] === 0x08 && element.length >= 6) return { reference: element.readUInt16BE(2), total: element[4]!, sequence: element[5]! };
  }
  return null;
}

/**
 * The sender's number in E.164 when it is one: international (TON 1) numbers get their `+`, national ones are read
 * in the inbox's default country. An alphanumeric sender (a bank, "INFO") has no phone.
 */
export function senderPhone(address: string, ton: number, defaultCountry?: string): string | undefined {
  const digits = address.replace(/[\s-]/g, '');
  if (!/^\+?\d{3,15}$/.test(digits)) return undefined;
  const candidate = ton === 1 && !digits.startsWith('+') ? `+${digits}` : digits;
  const phone = parsePhoneNumberFromString(candidate, defaultCountry as CountryCode | undefined);
  return phone?.isValid() ? phone.number : undefined;
}

/** Collects the parts of concatenated inbound messages until each is whole; parts of a message never completed are dropped after `ttlMs`. */
export class Reassembler {
  readonly #pending = new Map<string, { parts: Map<number, string>; total: number; first: Date; timer: NodeJS.Timeout }>();
  readonly #ttlMs: number;

  constructor(ttlMs = 10 * 60_000) {
    this.#ttlMs = ttlMs;
  }

  /** The whole text once the last part is in, else null. */
  add(key: string, part: { total: number; sequence: number }, text: string): { text: string; first: Date } | null {
    let entry = this.#pending.get(key);
    if (!entry) {
      entry = { parts: new Map(), total: part.total, first: new Date(), timer: setTimeout(() => this.#pending.delete(key), this.#ttlMs).unref() };
      this.#pending.set(key, entry);
    }
    entry.parts.set(part.sequence, text);
    if (entry.parts.size < entry.total) return null;
    clearTimeout(entry.timer);
    this.#pending.delete(key);
    return { text: [...entry.parts.entries()].sort(([a], [b]) => a - b).map(([, t]) => t).join(''), first: entry.first };
  }

  clear(): void {
    for (const entry of this.#pending.values()) clearTimeout(entry.timer);
    this.#pending.clear();
  }
}
