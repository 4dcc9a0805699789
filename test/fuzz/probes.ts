import { randomUUID } from 'node:crypto';
import { bodyStringFieldsOf } from './openapi';
import type { Seed } from './seed';

type Json = Record<string, any>;

/**
 * Deterministic probes for the class of bug that made requests hang: a NUL or another control
 * character in one text field of an otherwise valid request (real accounts, a real recipient, a
 * valid amount), so it gets past validation into the ledger and the workflows. They are added to
 * the document as named request-body examples, one per text field, and sent by the examples phase.
 *
 * Schemathesis drops an example its schema rejects: a field documented with the "no control
 * characters" pattern is probed by the negative fuzzing instead (the API must answer 400 in time),
 * and a field without it (a new one, or one whose pattern was lost) gets its probe every run.
 */
const PROBE_VALUES = ['Probe\u0000', '\u0000', 'Pro\u0007be\u001b[0m\r\n'];

/** Fields with a grammar of their own (ids, amounts, codes, dates): the fuzzer covers those. */
const NOT_TEXT = /(^|\.)(\w*Id|amount|currency|country|email|phone|code|bic|accountNumber|asOf|from|to|holdExpiresAt|type|kind|purpose)$/;

function bases(seed: Seed): Record<string, Json[]> {
  const [eur] = seed.accountIds;
  const settlement = seed.accountIds[seed.accountIds.length - 1];
  const money = { amount: '0.01', currency: 'EUR' };
  const recipient = { name: 'Probe Recipient', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' };
  return {
    'POST /internal/Clients': [{ type: 'individual', firstName: 'Probe', lastName: 'Client', email: 'probe@example.com', country: 'DE' }],
    'POST /v2/internal/Accounts': [{ clientId: seed.clientId, currency: 'EUR', purpose: 'current', name: 'Probe' }],
    'POST /internal/Payments': [{ debitAccountId: settlement, creditAccountId: eur, ...money, description: 'probe', reference: 'probe' }],
    'POST /internal/Payments/draft': [
      { debitAccountId: eur, creditAccountId: settlement, ...money, description: 'probe', reference: 'probe' },
    ],
    'POST /Transfers/outgoing': [
      { accountId: eur, recipientId: seed.recipientIds[0], ...money, reference: 'probe' },
      { accountId: eur, ...money, reference: 'probe', recipient },
    ],
    'POST /internal/IncomingRequests': [
      {
        providerReference: 'probe',
        ...money,
        senderName: 'Probe Sender',
        senderIban: 'FR1420041010050500013M02606',
        receiverIban: seed.ibans[0],
        reference: 'probe',
      },
    ],
    'POST /Recipients': [recipient],
  };
}

/** A provider reference is unique per incoming request: each example gets its own. */
function withFreshReference(base: Json): Json {
  const body = structuredClone(base);
  if ('providerReference' in body) body.providerReference = `probe-${randomUUID()}`;
  return body;
}

function setPath(target: Json, path: string, value: string): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Adds the probes (and one clean request per base) to `document` in place; returns how many examples were added. */
export function addProbeExamples(document: Json, seed: Seed): number {
  let added = 0;
  for (const [label, bodies] of Object.entries(bases(seed))) {
    const [method, path] = label.split(' ') as [string, string];
    const media = document.paths?.[path]?.[method.toLowerCase()]?.requestBody?.content?.['application/json'];
    if (!media) continue;
    const fields = bodyStringFieldsOf(document, media.schema).filter((f) => !f.includes('[*]'));
    media.examples ??= {};
    bodies.forEach((base, b) => {
      // The clean request first: under an odd token (a sub that names no client) it is the write
      // that reaches the store with that sub.
      media.examples[`probe_${b}_clean`] = { summary: 'a valid request with real ids', value: withFreshReference(base) };
      added++;
      for (const field of fields) {
        if (NOT_TEXT.test(field)) continue;
        PROBE_VALUES.forEach((probe, p) => {
          const body = withFreshReference(base);
          setPath(body, field, field === 'providerReference' ? `${probe}${randomUUID()}` : probe);
          media.examples[`probe_${b}_${field.replace(/\W/g, '_')}_${p}`] = { summary: `control characters in ${field}`, value: body };
          added++;
        });
      }
    });
  }
  return added;
}
