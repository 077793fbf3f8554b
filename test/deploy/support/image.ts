/** Building the parking image on the private engine, and the figures the report asks for. */
import { mustDocker } from './dockerd.js';
import { ROOT } from './paths.js';

/** The tag the deploy test builds (what the minikube overlay runs). */
export const IMAGE = 'parking:local';

/** Builds the repository's Dockerfile on `baseImage`; returns the build time and image size. */
export async function buildImage(baseImage: string): Promise<{ ms: number; bytes: number; baseBytes: number; log: string }> {
  const started = Date.now();
  // --network host: the build stage's `npm ci` needs the registry; the engine has no bridge.
  const log = await mustDocker(['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${baseImage}`, '-t', IMAGE, ROOT], {
    timeoutMs: 480_000,
  });
  const ms = Date.now() - started;
  const bytes = Number((await mustDocker(['image', 'inspect', '-f', '{{.Size}}', IMAGE])).trim());
  const baseBytes = Number((await mustDocker(['image', 'inspect', '-f', '{{.Size}}', baseImage])).trim());
  return { ms, bytes, baseBytes, log };
}
