/** The interactive console, local (`parking start`) and remote (`parking console`). */
export { startRepl, type ReplOptions, type ReplHandle } from './start-repl.js';
export { parseCarArgs } from './commands.js';
