import { z } from '@hono/zod-openapi';

/**
 * A rule between the fields of a request body: the JSON Schema that documents it, and the check
 * that enforces it (a 400 naming the field), kept together so the two cannot drift apart.
 */
export interface BodyRule {
  json: object;
  check?: (value: Record<string, unknown>) => { path: string; message: string } | undefined;
}

const given = (value: Record<string, unknown>, field: string) => value[field] !== undefined;

/** Exactly one of `fields` is given. */
export const exactlyOne = (fields: string[], message = `give exactly one of ${fields.join(', ')}`): BodyRule => ({
  json: { oneOf: fields.map((field) => ({ required: [field] })) },
  check: (value) => (fields.filter((f) => given(value, f)).length === 1 ? undefined : { path: fields[0] as string, message }),
});

/** At least one of `fields` is given. */
export const atLeastOne = (fields: string[], message = `${fields.join(' or ')} is required`): BodyRule => ({
  json: { anyOf: fields.map((field) => ({ required: [field] })) },
  check: (value) => (fields.some((f) => given(value, f)) ? undefined : { path: fields[0] as string, message }),
});

/** Each field, when given, needs the fields listed with it. */
export const requires = (dependencies: Record<string, string[]>, message?: (field: string, needed: string) => string): BodyRule => ({
  json: { dependentRequired: dependencies },
  check: (value) => {
    for (const [field, needs] of Object.entries(dependencies)) {
      if (!given(value, field)) continue;
      const missing = needs.find((n) => !given(value, n));
      if (missing) return { path: missing, message: message?.(field, missing) ?? `${missing} is required with ${field}` };
    }
    return undefined;
  },
});

/** A rule zod already enforces (a superRefine of its own), documented as JSON Schema. */
export const enforcedBy = (json: object): BodyRule => ({ json });

/**
 * A strict request body: an unknown field is 400 (a typo must not be ignored silently), documented
 * as `additionalProperties: false`. api/router.ts refuses to register a JSON body that is not.
 */
export const body = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);

/**
 * A named body schema with its rules between fields: each is checked (400 naming the field) and
 * documented (`allOf` of their JSON Schema).
 */
export function documented<T extends z.ZodTypeAny>(schema: T, name: string, ...rules: BodyRule[]): T {
  const checked = rules.some((r) => r.check)
    ? (schema.superRefine((value, ctx) => {
        if (typeof value !== 'object' || value === null) return;
        for (const rule of rules) {
          const problem = rule.check?.(value as Record<string, unknown>);
          if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
        }
      }) as unknown as T)
    : schema;
  return checked.openapi(name, rules.length === 0 ? {} : ({ allOf: rules.map((r) => r.json) } as never)) as T;
}
