import type { LookupAddress } from 'node:dns';
import t from 'tap';
import { findMatchingCidr, parseAddress, parseCidr } from '../../../server/registry/cidr.ts';
import { DEFAULT_DENY_CIDRS } from '../../../server/registry/settings.ts';
import { BlockedAddressError, createAddressGuard, type ResolveAll } from '../../../server/registry/ssrf-guard.ts';

const defaults = DEFAULT_DENY_CIDRS.map((text) => parseCidr(text));

t.test('the default deny list', async (t) => {
  const cases: [string, string | undefined][] = [
    ['169.254.169.254', '169.254.0.0/16'],
    ['169.254.0.1', '169.254.0.0/16'],
    ['169.255.0.1', undefined],
    ['100.100.100.200', '100.100.100.200/32'],
    ['100.100.100.201', undefined],
    ['0.0.0.0', '0.0.0.0/8'],
    ['0.1.2.3', '0.0.0.0/8'],
    ['127.0.0.1', undefined],
    ['10.0.0.1', undefined],
    ['8.8.8.8', undefined],
    ['fe80::1', 'fe80::/10'],
    ['febf:ffff::1', 'fe80::/10'],
    ['fec0::1', undefined],
    ['fe80::1%eth0', 'fe80::/10'],
    ['[fe80::1]', 'fe80::/10'],
    ['fd00:ec2::254', 'fd00:ec2::254/128'],
    ['fd00:ec2::253', undefined],
    ['::', '::/128'],
    ['::1', undefined],
    ['2001:db8::1', undefined],
    ['::ffff:169.254.169.254', '169.254.0.0/16'],
    ['::ffff:a9fe:a9fe', '169.254.0.0/16'],
    ['0:0:0:0:0:ffff:a9fe:1', '169.254.0.0/16'],
    ['::ffff:100.100.100.200', '100.100.100.200/32'],
    ['::ffff:0.0.0.0', '0.0.0.0/8'],
    ['::ffff:127.0.0.1', undefined],
    ['not an address', undefined],
  ];
  for (const [address, expected] of cases) {
    t.equal(findMatchingCidr(address, defaults)?.text, expected, address);
  }
});

t.test('the explicit IPv4-mapped entries of the default list', async (t) => {
  const mappedOnly = defaults.filter((cidr) => cidr.text.startsWith('::ffff:'));
  t.equal(mappedOnly.length, 3);
  t.equal(findMatchingCidr('::ffff:169.254.169.254', mappedOnly)?.text, '::ffff:169.254.0.0/112');
  t.equal(findMatchingCidr('::ffff:100.100.100.200', mappedOnly)?.text, '::ffff:100.100.100.200/128');
  t.equal(findMatchingCidr('::ffff:0.0.0.9', mappedOnly)?.text, '::ffff:0.0.0.0/104');
  t.equal(findMatchingCidr('::ffff:169.255.0.1', mappedOnly), undefined);
});

t.test('an IPv4 range also catches the IPv4-mapped IPv6 form', async (t) => {
  const cidrs = [parseCidr('10.0.0.0/8')];
  t.equal(findMatchingCidr('::ffff:10.1.2.3', cidrs)?.text, '10.0.0.0/8');
  t.equal(findMatchingCidr('::ffff:a01:203', cidrs)?.text, '10.0.0.0/8');
  t.equal(findMatchingCidr('::ffff:11.1.2.3', cidrs), undefined);
  t.equal(findMatchingCidr('::10.1.2.3', cidrs), undefined, 'IPv4-compatible (not mapped) is not the same address');
});

t.test('prefix lengths that are not multiples of 8', async (t) => {
  const cidrs = [parseCidr('192.168.4.0/22'), parseCidr('2001:db8:8000::/33')];
  t.ok(findMatchingCidr('192.168.7.255', cidrs));
  t.notOk(findMatchingCidr('192.168.8.0', cidrs));
  t.notOk(findMatchingCidr('192.168.3.255', cidrs));
  t.ok(findMatchingCidr('2001:db8:ffff::1', cidrs));
  t.notOk(findMatchingCidr('2001:db8:7fff::1', cidrs));
  t.ok(findMatchingCidr('1.2.3.4', [parseCidr('0.0.0.0/0')]), '/0 matches every IPv4 address');
  t.notOk(findMatchingCidr('::1', [parseCidr('0.0.0.0/0')]), 'but no IPv6 one');
});

t.test('address and CIDR parsing', async (t) => {
  t.same([...(parseAddress('1.2.3.4') ?? [])], [1, 2, 3, 4]);
  t.equal(parseAddress('1.2.3'), undefined);
  t.equal(parseAddress('1.2.3.256'), undefined);
  t.equal(parseAddress('01.2.3.4'), undefined, 'octal-looking octets are refused');
  t.equal(parseAddress('1::2::3'), undefined);
  t.equal(parseAddress('1:2:3:4:5:6:7:8:9'), undefined);
  t.equal(parseAddress('12345::'), undefined);
  t.equal(parseAddress('1:2:3:4:5:6:7:8')?.length, 16);
  t.equal(parseAddress('::ffff:1.2.3.4')?.[15], 4);
  t.equal(parseCidr('10.0.0.0/8').prefix, 8);
  t.equal(parseCidr('10.0.0.1').prefix, 32, 'a bare address is a single-address range');
  t.equal(parseCidr('::1').prefix, 128);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', 'example.com/8', '']) {
    t.throws(() => parseCidr(bad), RangeError, bad);
  }
});

function fakeResolver(answers: Record<string, LookupAddress[]>): ResolveAll {
  return (hostname, _options, callback) => {
    const found = answers[hostname];
    if (found === undefined) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    } else {
      callback(null, found);
    }
  };
}

function lookupAll(
  guard: ReturnType<typeof createAddressGuard>,
  hostname: string,
  all: boolean,
): Promise<{ error: Error | null; address: string | LookupAddress[]; family: number | undefined }> {
  return new Promise((resolve) =>
    guard.lookup(hostname, { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

t.test('the guarded lookup checks every resolved address', async (t) => {
  const guard = createAddressGuard(
    DEFAULT_DENY_CIDRS,
    fakeResolver({
      'metadata.example': [{ address: '169.254.169.254', family: 4 }],
      'mixed.example': [
        { address: 'fe80::1', family: 6 },
        { address: '192.0.2.10', family: 4 },
      ],
      'mapped.example': [{ address: '::ffff:169.254.169.254', family: 6 }],
      'fine.example': [{ address: '192.0.2.20', family: 4 }],
    }),
  );
  const metadata = await lookupAll(guard, 'metadata.example', false);
  t.type(metadata.error, BlockedAddressError);
  t.match(metadata.error?.message, /169\.254\.169\.254.*169\.254\.0\.0\/16/);
  const mapped = await lookupAll(guard, 'mapped.example', true);
  t.type(mapped.error, BlockedAddressError, 'the mapped form is blocked too');
  const mixed = await lookupAll(guard, 'mixed.example', true);
  t.equal(mixed.error, null);
  t.same(mixed.address, [{ address: '192.0.2.10', family: 4 }], 'denied addresses are dropped, allowed ones kept');
  const single = await lookupAll(guard, 'mixed.example', false);
  t.same([single.address, single.family], ['192.0.2.10', 4]);
  const fine = await lookupAll(guard, 'fine.example', false);
  t.same([fine.error, fine.address], [null, '192.0.2.20']);
  const missing = await lookupAll(guard, 'missing.example', false);
  t.match(missing.error, { code: 'ENOTFOUND' });
});
