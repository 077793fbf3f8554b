import { describe, expect, it } from 'vitest';
import {
  formatCounts,
  formatDuration,
  formatEntry,
  formatError,
  formatExit,
  formatGates,
  formatLot,
  formatMembers,
  formatStatus,
  formatTable,
  formatTime,
  sanitize,
} from '../../../src/cli/format.js';
import { LotFullError } from '../../../src/errors.js';
import type { ClusterView, NodeStatus } from '../../../src/types.js';

const at = (h: number, m: number, s: number, day = 1): number => new Date(2024, 4, day, h, m, s).getTime();
const NOW = at(16, 30, 0);

describe('format', () => {
  it('shows times of today as HH:MM:SS and older ones with their date', () => {
    expect(formatTime(at(16, 2, 11), NOW)).toBe('16:02:11');
    expect(formatTime(at(9, 5, 7, 30), at(23, 0, 0, 30))).toBe('09:05:07');
    expect(formatTime(new Date(2024, 3, 30, 23, 59, 1).getTime(), NOW)).toBe('2024-04-30 23:59:01');
  });

  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [(12 * 60 + 5) * 1000, '12m 05s'],
    [(3 * 3600 + 2 * 60 + 59) * 1000, '3h 02m'],
    [(2 * 86400 + 4 * 3600) * 1000, '2d 04h'],
  ])('formats a duration of %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('prints an entry on one line with gate, node and time', () => {
    expect(formatEntry({ plate: 'ABC 123', gate: 1, node: 'n1', enteredAt: at(16, 2, 11) }, NOW)).toBe(
      'ABC 123 entered at gate 1 (node n1, 16:02:11)',
    );
  });

  it('prints an exit with the stay and where the car came in', () => {
    const car = { plate: 'ABC 123', gate: 1, node: 'n1', enteredAt: at(16, 2, 11) };
    expect(formatExit({ car, gate: 2, exitedAt: at(16, 14, 16), stayMs: 725_000 }, NOW)).toBe(
      'ABC 123 left at gate 2 after 12m 05s (entered at gate 1 at 16:02:11, node n1)',
    );
  });

  it('prints the lot as an aligned table, oldest car first, then the counts', () => {
    const text = formatLot(
      {
        spaces: 100,
        occupied: 2,
        free: 98,
        cars: [
          { plate: 'XY 9', gate: 12, node: 'node-two', enteredAt: at(16, 5, 0) },
          { plate: 'ABC 123', gate: 1, node: 'n1', enteredAt: at(16, 2, 11) },
        ],
      },
      NOW,
    );
    expect(text).toBe(
      ['PLATE    GATE  SINCE     NODE', 'ABC 123     1  16:02:11  n1', 'XY 9       12  16:05:00  node-two', 'occupied 2/100, free 98'].join(
        '\n',
      ),
    );
  });

  it('says so when the lot is empty', () => {
    expect(formatLot({ spaces: 10, occupied: 0, free: 10, cars: [] }, NOW)).toBe('no cars inside\noccupied 0/10, free 10');
  });

  it('leaves no trailing spaces in tables', () => {
    const text = formatTable(
      ['A', 'B'],
      [
        ['long value', ''],
        ['x', 'y'],
      ],
    );
    for (const line of text.split('\n')) expect(line).toBe(line.trimEnd());
  });

  it('escapes control characters so the terminal cannot be driven by a plate', () => {
    expect(sanitize('A\u001b[2JB\u0007\u009b')).toBe('A\\x1b[2JB\\x07\\x9b');
    expect(sanitize('Zürich ✓')).toBe('Zürich ✓');
    expect(formatEntry({ plate: 'A\nB', gate: 1, node: 'n\r1', enteredAt: NOW }, NOW)).toBe(
      'A\\x0aB entered at gate 1 (node n\\x0d1, 16:30:00)',
    );
  });

  it('prints errors as "error CODE: message"', () => {
    expect(formatError(new LotFullError(100, 100))).toBe('error ERR_LOT_FULL: the lot is full: 100 of 100 spaces taken');
    expect(formatError(new Error('boom'))).toBe('error ERR_INTERNAL: boom');
  });

  it('prints members with their status and marks the answering node', () => {
    const view: ClusterView = {
      self: 'n1',
      members: [
        { name: 'n1', url: 'http://127.0.0.1:4000', status: 'alive', since: at(16, 0, 1) },
        { name: 'n2', url: 'http://127.0.0.1:4001', status: 'dead' },
      ],
      gates: [],
    };
    expect(formatMembers(view, NOW)).toBe(
      [
        'NAME       STATUS  URL                    SINCE',
        'n1 (self)  alive   http://127.0.0.1:4000  16:00:01',
        'n2         dead    http://127.0.0.1:4001  -',
      ].join('\n'),
    );
  });

  it('prints gates in order, with "-" for a gate without a worker', () => {
    const view: ClusterView = {
      self: 'n1',
      members: [],
      gates: [
        { gate: 10, node: 'n1', since: at(16, 0, 1) },
        { gate: 2, node: null, since: at(16, 0, 3) },
      ],
    };
    expect(formatGates(view, NOW)).toBe(['GATE  NODE  SINCE', '   2  -     16:00:03', '  10  n1    16:00:01'].join('\n'));
  });

  it('prints the status as aligned key/value lines', () => {
    const status: NodeStatus = {
      name: 'n1',
      url: 'http://127.0.0.1:4000',
      cluster: 'parking',
      incarnation: 'i',
      version: '0.1.0',
      uptimeMs: 192_000,
      ready: true,
      spaces: 100,
      occupied: 3,
      free: 97,
      gates: 4,
      gatesOwned: [1, 3],
      membersAlive: 2,
    };
    expect(formatStatus(status)).toBe(
      [
        'node      n1 (http://127.0.0.1:4000)',
        'cluster   parking',
        'version   0.1.0',
        'uptime    3m 12s',
        'ready     yes',
        'lot       occupied 3/100, free 97',
        'gates     4 (owned here: 1, 3)',
        'members   2 alive',
      ].join('\n'),
    );
    expect(formatCounts(status)).toBe('occupied 3/100, free 97');
  });
});
