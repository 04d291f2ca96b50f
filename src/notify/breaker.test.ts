import { describe, expect, it } from 'vitest';
import { Breakers } from './breaker.js';

describe('circuit breaker', () => {
  it('opens after the threshold of failures in a row, lets one trial through after the cooldown, closes on success', () => {
    const b = new Breakers(3, 1000);
    for (let i = 0; i < 2; i++) b.failure('twilio', 0);
    expect(b.allows('twilio', 0)).toBe(true);
    b.failure('twilio', 0);
    expect(b.allows('twilio', 10)).toBe(false);
    expect(b.allows('meta', 10)).toBe(true);
    expect(b.allows('twilio', 1000)).toBe(true); // the trial
    expect(b.allows('twilio', 1001)).toBe(false); // only one
    b.failure('twilio', 1002);
    expect(b.allows('twilio', 1500)).toBe(false);
    expect(b.allows('twilio', 2002)).toBe(true);
    b.success('twilio');
    expect(b.allows('twilio', 2003)).toBe(true);
    expect(b.isOpen('twilio', 2003)).toBe(false);
  });

  it('a success resets the count of failures', () => {
    const b = new Breakers(2, 1000);
    b.failure('smtp', 0);
    b.success('smtp');
    b.failure('smtp', 0);
    expect(b.allows('smtp', 0)).toBe(true);
  });
});
