import { randomInt } from 'node:crypto';

/**
 * Account numbers (docs/api.md): 12 digits, the last a Luhn check digit, the other 11 drawn at random
 * (the first never 0) from a cryptographic source. Numbers issued before were 11 digits from a
 * sequence plus the same check digit: they have the same shape and stay valid as they are. Random
 * numbers cannot be enumerated: knowing one account number says nothing about any other.
 */

/** The Luhn check digit of a string of digits (the digit to append). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    // From the right, every second digit (starting with the rightmost) is doubled.
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export const hasValidCheckDigit = (number: string) =>
  /^\d{2,}$/.test(number) && luhnCheckDigit(number.slice(0, -1)) === Number(number.slice(-1));

/** A fresh random account number: 11 random digits (no leading 0) and the Luhn check digit. */
export function randomAccountNumber(): string {
  let body = String(randomInt(1, 10));
  for (let i = 0; i < 10; i += 1) body += String(randomInt(0, 10));
  return `${body}${luhnCheckDigit(body)}`;
}
