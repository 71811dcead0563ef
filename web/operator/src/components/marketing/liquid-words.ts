import { t } from '../../i18n/index.ts';

/**
 * The template engine's (liquidjs) syntax errors, said in plain words with where they are. Problems the
 * server already words for people (an unknown variable or custom field) pass through unchanged.
 */
export function plainLiquidProblem(message: string): string {
  const at = /line:(\d+), col:(\d+)/.exec(message);
  const where = at ? t('mk.liquid.at', { line: at[1]!, column: at[2]! }) : '';
  let match: RegExpExecArray | null;
  if ((match = /^output "(.*?)" not closed/.exec(message))) return t('mk.liquid.outputOpen', { what: match[1]!.slice(0, 40) }) + where;
  if ((match = /^tag \{%-?\s*(\w+).*?%\} not closed/.exec(message))) return t('mk.liquid.tagOpen', { tag: match[1]! }) + where;
  if ((match = /^tag "end(\w+)" not found/.exec(message))) return t('mk.liquid.strayEnd', { tag: match[1]! }) + where;
  if ((match = /^tag "(\w+)" not found/.exec(message))) return t('mk.liquid.unknownTag', { tag: match[1]! }) + where;
  if ((match = /^undefined filter: (\S+?),/.exec(message))) return t('mk.liquid.unknownFilter', { filter: match[1]! }) + where;
  return message;
}
