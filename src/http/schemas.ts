import { Type, type TProperties, type TSchema } from 'typebox';

/** An object that rejects fields it does not know, so a typo is an error and not silently ignored. */
export const Strict = <T extends TProperties>(properties: T, options: { description?: string } = {}) => Type.Object(properties, { additionalProperties: false, ...options });

export const IdParams = Strict({ id: Type.Integer({ minimum: 1 }) });

export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 }));
export const Cursor = Type.Optional(Type.String({ maxLength: 200 }));

export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ErrorSchema = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Short free text: names, labels, tags. */
export const Name = (maxLength = 200) => Type.String({ minLength: 1, maxLength });
