import { loadConfig } from '../../src/config.ts';
import { Team } from '../../src/store/entities/index.ts';
import { openOrm } from '../../src/store/orm.ts';

/**
 * A second process writing to the test's database: `node tests/helpers/transaction-writer.ts <label> <count>` with
 * the database in the environment. Each transaction reads, then writes (as ingest and the send worker do); prints
 * `{ done, failed, firstError }` as JSON.
 */
const [label, count] = [process.argv[2]!, Number(process.argv[3])];
const orm = await openOrm(loadConfig({}, process.env));
let done = 0;
let failed = 0;
let firstError: string | undefined;
for (let i = 0; i < count; i++) {
  try {
    await orm.em.fork().transactional(async (em) => {
      await em.count(Team, {});
      em.create(Team, { name: `${label}-${i}` });
    });
    done++;
  } catch (error) {
    failed++;
    firstError ??= (error as Error).message;
  }
}
await orm.close();
console.log(JSON.stringify({ done, failed, firstError }));
