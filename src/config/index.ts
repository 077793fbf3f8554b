export {
  loadConfig,
  configDefaults,
  configWarnings,
  envName,
  presetOf,
  PRESETS,
  CONFIG_DIR,
  type LoadConfigOptions,
  type PresetName,
} from './load.js';
export { configSchema, configKeys, type Config } from './schema.js';
