export { loadConfig, configWarnings, envName, CONFIG_DIR, type LoadConfigOptions } from './load.js';
export { configSchema, configKeys, type Config } from './schema.js';
