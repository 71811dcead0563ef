import { Type } from 'typebox';
import { Strict } from './schemas.ts';

/** What a reply may carry; a reply on another of the card's channels (routes/contact-messages.routes.ts) takes the same. */
export const ReplyFields = {
  text: Type.Optional(Type.String({ maxLength: 65_536 })),
  html: Type.Optional(Type.String({ maxLength: 262_144 })),
  private: Type.Optional(Type.Boolean()),
  cannedResponseId: Type.Optional(Type.Integer({ minimum: 1 })),
  replyToMessageId: Type.Optional(Type.Integer({ minimum: 1 })),
  attachments: Type.Optional(Type.Array(Strict({ key: Type.String({ maxLength: 64 }) }), { maxItems: 10, description: 'Files uploaded with POST /attachments' })),
  whatsappTemplate: Type.Optional(Strict({ name: Type.String({ minLength: 1, maxLength: 512 }), language: Type.String({ minLength: 2, maxLength: 15 }), parameters: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 }) }, { description: 'WhatsApp Cloud: an approved template (required once the 24-hour window has closed)' })),
};
