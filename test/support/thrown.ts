/** The error `fn` throws synchronously; fails the test when it throws nothing. */
export function thrown<E extends Error = Error>(fn: () => unknown): E {
  try {
    fn();
  } catch (err) {
    return err as E;
  }
  throw new Error('expected an error, none was thrown');
}
