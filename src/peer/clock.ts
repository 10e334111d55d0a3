// The real clock every peer uses until a driver gives it the scheduler's (kSetClock):
// monotonic milliseconds, unaffected by changes to the wall clock.
export const systemClock = (): number => performance.now();
