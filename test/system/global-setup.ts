/**
 * Global setup of the lab's scenarios (vitest.system.config.ts, project `lab`): checks the machine
 * before the first scenario, so that a missing package fails the run at once, naming the packages and
 * the `apt-get install` command, instead of a failed exec deep inside a scenario.
 */
import { checkPrerequisites } from './lab/prerequisites.js';

export default function setup(): void {
  const check = checkPrerequisites();
  if (!check.ok) throw new Error(`the system tests cannot run on this machine:\n${check.message}`);
}
