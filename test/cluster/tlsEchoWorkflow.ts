/** The smallest workflow there is, for test/cluster/temporalTls.test.ts: it runs only if a worker polled over mTLS. */
export async function tlsEcho(name: string): Promise<string> {
  return `hello ${name} over mTLS`;
}
