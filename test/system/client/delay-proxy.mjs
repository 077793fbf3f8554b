// @ts-check
/**
 * A delaying TCP proxy, run inside a lab host (`node delay-proxy.mjs <config.json>`): tc netem is not
 * in this kernel, so a slow link is made in user space. Each route listens on `listen` and forwards
 * to `target`; every chunk is held `delayMs` in each direction (order kept: equal timers fire in
 * order), so a round trip costs 2 × delayMs more. Half-closes and resets are passed on after the
 * data before them. Prints `{"ready":true}` once every route listens; exits on SIGTERM or when stdin
 * closes.
 *
 * Config: `{delayMs, localAddress?, routes: [{listen: {host, port}, target: {host, port}}]}`;
 * `localAddress` is the source address of the proxy's own connections (lab/slow-link.ts uses it to
 * keep them out of its redirect rules).
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';

const config = JSON.parse(readFileSync(/** @type {string} */ (process.argv[2]), 'utf8'));
/** @type {{delayMs: number, localAddress?: string, routes: {listen: {host: string, port: number}, target: {host: string, port: number}}[]}} */
const c = config;
/** @type {Set<net.Socket>} */
const sockets = new Set();

/**
 * Copies `from` to `to`, each chunk and the end held `delayMs`.
 * @param {net.Socket} from @param {net.Socket} to
 */
function delayed(from, to) {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, c.delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), c.delayMs));
  from.on('error', () => setTimeout(() => to.destroy(), c.delayMs));
  from.on('close', () => setTimeout(() => to.destroy(), c.delayMs + 1));
}

const servers = c.routes.map(
  (route) =>
    new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
        const outbound = net.connect({
          host: route.target.host,
          port: route.target.port,
          localAddress: c.localAddress,
          allowHalfOpen: true,
        });
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.setNoDelay(true);
        }
        delayed(inbound, outbound);
        delayed(outbound, inbound);
      });
      server.once('error', reject);
      server.listen(route.listen.port, route.listen.host, () => resolve(server));
    }),
);

await Promise.all(servers);
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
const stop = () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
