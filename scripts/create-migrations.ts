// Writes a new migration for each dialect from the difference between the entities and
// the last migration: `npm run migration:create`. Needs a scratch PostgreSQL (DATABASE_URL).
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../src/config.ts';
import { ormOptions } from '../src/store/orm.ts';

const pg = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const scratch = `crm_migrate_${process.pid}`;
const admin = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: pg })));
await admin.em.getConnection().execute(`create database ${scratch}`);
await admin.close();
try {
  for (const env of [{ SQLITE_PATH: ':memory:' }, { DATABASE_URL: pg.replace(/\/[^/]*$/, `/${scratch}`) }]) {
    const orm = await MikroORM.init(ormOptions(loadConfig(env)));
    await orm.migrator.up();
    const result = await orm.migrator.create();
    console.log(result.fileName ? `created ${result.fileName}` : 'no changes');
    await orm.close();
  }
} finally {
  const again = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: pg })));
  await again.em.getConnection().execute(`drop database if exists ${scratch}`);
  await again.close();
}
