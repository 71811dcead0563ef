import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { conflict } from '../errors.ts';

/** Flushes; a unique-key clash becomes a 409 with `message`, so a duplicate name or email reads as one. */
export async function flushOrConflict(em: EntityManager, message: string): Promise<void> {
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw conflict(message);
    throw error;
  }
}
