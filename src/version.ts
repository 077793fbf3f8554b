/** The package version, shown by `parking --version` and `/status`. Kept in sync with package.json by a test. */
export const VERSION = '0.1.0';
