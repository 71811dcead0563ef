import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver, type SqliteConnection } from '@mikro-orm/sqlite';
import { isPostgres, type Config } from '../config.ts';
import * as entities from './entities/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ENTITIES = Object.values(entities).filter((e) => typeof e === 'object' && e !== null && 'meta' in e);

export type Dialect = 'sqlite' | 'postgresql';
export const dialectOf = (config: Config): Dialect => (isPostgres(config) ? 'postgresql' : 'sqlite');

/** MikroORM options for either dialect; each dialect keeps its own migrations folder. */
export function ormOptions(config: Config): Partial<Options> {
  const dialect = dialectOf(config);
  const common = {
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: { path: resolve(root, 'migrations', dialect), glob: '!(*.d).{js,ts}', silent: true, snapshot: false },
    debug: false,
    allowGlobalContext: false,
  } satisfies Partial<Options>;
  if (dialect === 'postgresql') {
    return { ...common, driver: PostgreSqlDriver, clientUrl: config.DATABASE_URL, pool: { min: 0, max: 10 } } as Partial<Options>;
  }
  const file = config.SQLITE_PATH === ':memory:' ? ':memory:' : resolve(config.SQLITE_PATH);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return { ...common, driver: SqliteDriver, dbName: file } as Partial<Options>;
}

/**
 * Makes every SQLite transaction take the write lock when it begins (`begin immediate`), not at its first write.
 * In WAL mode a deferred transaction that read first and then finds that another process (a worker, a second
 * server) committed meanwhile fails at once with SQLITE_BUSY_SNAPSHOT, which busy_timeout cannot wait out; taking
 * the lock up front turns that into a short wait. Inside one process transactions already run one at a time on the
 * single connection, so nothing is lost there. Kysely's SQLite driver sends a plain `begin`, rewritten here.
 */
async function beginImmediately(orm: MikroORM): Promise<void> {
  const database = await (orm.em.getConnection() as SqliteConnection).getNativeClient();
  const prepare = database.prepare.bind(database);
  database.prepare = ((sql: string) => prepare(sql === 'begin' ? 'begin immediate' : sql)) as typeof database.prepare;
}

/** Opens the database and applies pending migrations. */
export async function openOrm(config: Config): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(config));
  if (dialectOf(config) === 'sqlite') {
    // WAL lets readers run while one writer commits; NORMAL sync survives an app crash (not a power cut mid-commit).
    await orm.em.getConnection().execute('pragma journal_mode = wal');
    await orm.em.getConnection().execute('pragma synchronous = normal');
    await orm.em.getConnection().execute('pragma foreign_keys = on');
    await orm.em.getConnection().execute('pragma busy_timeout = 5000');
    await beginImmediately(orm);
  }
  await orm.migrator.up();
  return orm;
}
