import type { AddressObject, EmailAddress } from 'mailparser';

/** An address as operators see it in message meta. */
export interface MailAddress {
  name: string | null;
  address: string;
}

/** Every address in one or more parsed address headers, groups flattened, lower-cased, de-duplicated. */
export function addressList(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const visit = (entry: EmailAddress) => {
    if (entry.group) return entry.group.forEach(visit);
    const address = entry.address?.trim().toLowerCase();
    if (address && !out.some((a) => a.address === address)) out.push({ name: entry.name?.trim() || null, address });
  };
  for (const header of [value ?? []].flat()) header.value.forEach(visit);
  return out;
}

/** Where mail without a usable From is filed: one card, whose replies fail visibly rather than go astray. */
export const UNKNOWN_SENDER: MailAddress = { name: 'Unknown sender', address: 'unknown-sender@unknown.invalid' };

/** Names are shown on client cards; a header can hold anything, so keep it to a sane length. */
export const displayName = (name: string | null | undefined) => name?.replace(/\s+/g, ' ').trim().slice(0, 200) || undefined;
