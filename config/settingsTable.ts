import { allowedOf, SETTING_DOCS, SETTINGS, type SettingName } from './settings';

/** The markers around README's configuration table: `npm run docs:config` rewrites what is between them. */
export const TABLE_START = '<!-- settings table: written by `npm run docs:config` from config/settings.ts; edit there -->';
export const TABLE_END = '<!-- end of settings table -->';

/** README's configuration table, one row per variable, in the schema's order. */
export function settingsTable(): string {
  const rows = Object.entries(SETTINGS).map(([name, schema]) => {
    const doc = SETTING_DOCS.get(schema);
    if (!doc) throw new Error(`${name} has no description in config/settings.ts`);
    const fixed = doc.default === undefined || doc.default === '' ? 'unset' : `\`${doc.default}\``;
    const allowed = allowedOf(name as SettingName)?.allowed ?? '';
    const meaning = doc.readBy
      ? `${doc.description} (read by ${doc.readBy.startsWith('npm') ? `\`${doc.readBy}\`` : doc.readBy})`
      : doc.description;
    return `| \`${name}\` | ${doc.defaultNote ?? fixed} | ${allowed} | ${meaning} |`;
  });
  return ['| variable | default | allowed | meaning |', '| --- | --- | --- | --- |', ...rows].map(escapeBars).join('\n');
}

/** A `|` inside a cell would end it. */
const escapeBars = (row: string) => row.replace(/(?<=[^ ])\|(?=[^ ])/g, '\\|');

/** README with its table replaced by the schema's; throws when the markers are missing. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md must hold the markers ${TABLE_START} and ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${settingsTable()}\n\n${readme.slice(end)}`;
}
