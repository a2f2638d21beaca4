import { unprocessable } from '../../errors';

/** How far an order's `receivedAt` may lie from the service's clock. */
export interface ReceiptBounds {
  /** Minutes a platform's clock may run ahead of ours. */
  maxSkewMinutes: number;
  /** Days back an order may have been received (an import of older orders). */
  maxAgeDays: number;
}

export const DEFAULT_RECEIPT_BOUNDS: ReceiptBounds = { maxSkewMinutes: 10, maxAgeDays: 3660 };

/** No 12345 hotline order was received before this (the hotlines began in the late 1990s and 2000s). */
export const EARLIEST_RECEIPT = new Date('2000-01-01T00:00:00Z');

/**
 * A receipt time that cannot be a hotline order's (year 0001 or 9999, next week) is refused:
 * its deadlines, months and rankings would be nonsense. Pure: `now` is given.
 */
export function assertPlausibleReceipt(receivedAt: Date, now: Date, bounds: ReceiptBounds): void {
  const latest = now.getTime() + bounds.maxSkewMinutes * 60_000;
  const earliest = Math.max(EARLIEST_RECEIPT.getTime(), now.getTime() - bounds.maxAgeDays * 86_400_000);
  const t = receivedAt.getTime();
  if (!(t <= latest)) {
    throw unprocessable('received_at_in_future', `receivedAt lies more than ${bounds.maxSkewMinutes} minutes in the future`, { latest: new Date(latest).toISOString() });
  }
  if (!(t >= earliest)) {
    throw unprocessable('received_at_too_old', `receivedAt lies before ${new Date(earliest).toISOString()}: older orders are not taken in`, { earliest: new Date(earliest).toISOString() });
  }
}
