/** The webhook's serving certificate, signed by the CA, naming the Service's DNS names plus any extra names. */
import { isIP } from 'node:net';
import { assertPositiveDays, type CertificateAuthority, loadSigningAuthority } from './ca.ts';
import { CertificateError } from './certificate-error.ts';
import { issueCertificate } from './forge-support.ts';

export interface ServingNamesOptions {
  serviceName: string;
  namespace: string;
  /** Defaults to `cluster.local`. */
  clusterDomain?: string | undefined;
  /** Extra DNS names (e.g. `localhost`, an ingress host). Wildcards (`*.example.com`) are allowed. */
  dnsNames?: readonly string[] | undefined;
  /** Extra IP addresses, v4 or v6 (e.g. `127.0.0.1` for a local webhook). */
  ipAddresses?: readonly string[] | undefined;
}

export interface ServingCertificateOptions extends ServingNamesOptions {
  /** Defaults to DEFAULT_SERVING_VALIDITY_DAYS (1 year); never past the CA's own notAfter. */
  validityDays?: number | undefined;
  now?: Date | undefined;
}

export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
  /** Upper-case hex, as node:crypto's X509Certificate.serialNumber prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export const DEFAULT_SERVING_VALIDITY_DAYS = 365;
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

const dnsNamePattern = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.<cluster domain>`: every name a client may use. */
export function serviceDnsNames(
  serviceName: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string[] {
  return [
    serviceName,
    `${serviceName}.${namespace}`,
    `${serviceName}.${namespace}.svc`,
    `${serviceName}.${namespace}.svc.${clusterDomain}`,
  ];
}

/** The names the serving certificate must carry, validated and de-duplicated (DNS names lower-cased). */
export function servingNames(options: ServingNamesOptions): ServingNames {
  const dnsNames = [
    ...serviceDnsNames(options.serviceName, options.namespace, options.clusterDomain),
    ...(options.dnsNames ?? []),
  ].map((name) => name.toLowerCase());
  for (const name of dnsNames) {
    if (name.length > 253 || !dnsNamePattern.test(name)) {
      throw new CertificateError(`invalid DNS name for the serving certificate: ${JSON.stringify(name)}`);
    }
  }
  const ipAddresses = [...(options.ipAddresses ?? [])];
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) {
      throw new CertificateError(`invalid IP address for the serving certificate: ${JSON.stringify(ip)}`);
    }
  }
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)] };
}

export function createServingCertificate(
  ca: Pick<CertificateAuthority, 'certPem' | 'keyPem'>,
  options: ServingCertificateOptions,
): ServingCertificate {
  const now = options.now ?? new Date();
  const validityDays = options.validityDays ?? DEFAULT_SERVING_VALIDITY_DAYS;
  assertPositiveDays(validityDays, 'validityDays');
  const names = servingNames(options);
  const signer = loadSigningAuthority(ca);
  const { cert, certPem, keyPem } = issueCertificate({
    now,
    validityDays,
    notAfterLimit: signer.cert.validity.notAfter,
    // The CN is informational only: clients match the SANs.
    subject: [{ name: 'commonName', value: `${options.serviceName}.${options.namespace}.svc` }],
    issuer: { attributes: signer.cert.subject.attributes, key: signer.key },
    extensions: [
      { name: 'basicConstraints', critical: true, cA: false },
      { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.dnsNames.map((value) => ({ type: 2, value })),
          ...names.ipAddresses.map((ip) => ({ type: 7, ip })),
        ],
      },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: signer.cert.generateSubjectKeyIdentifier().getBytes() },
    ],
  });
  return {
    certPem,
    keyPem,
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
  };
}
