/** Where campaigns read the time: scheduling, quiet hours and birthdays. Tests move it by hand. */
export interface Clock {
  now(): Date;
}

export const systemClock = (): Clock => ({ now: () => new Date() });
