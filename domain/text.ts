/**
 * C0 controls, DEL and C1 controls: never part of a name, reference or note (docs/api.md: 400). The
 * one definition for the API's schemas and the workflows' input checks.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/;

export const hasControlCharacters = (text: string) => CONTROL_CHARACTERS.test(text);
