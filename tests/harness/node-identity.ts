/**
 * The node's identity: a client certificate CN=system:node:<name>, O=system:nodes, signed by the test cluster's CA
 * (whose key kube-certs.ts writes beside the admin kubeconfig), so the Node authorizer and NodeRestriction treat
 * the kubelet as the real thing. Also the kubeconfig the kubelet reads.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import forge from 'node-forge';

export interface ClusterCa {
  certPem: string;
  keyPem: string;
}

/** The CA files of a cluster started by kube.ts, found beside its admin kubeconfig. */
export function readClusterCa(kubeconfigPath: string): ClusterCa {
  const dir = dirname(kubeconfigPath);
  return {
    certPem: readFileSync(join(dir, 'caCert.pem'), 'utf8'),
    keyPem: readFileSync(join(dir, 'caKey.pem'), 'utf8'),
  };
}

export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

/** A client certificate for `commonName` in `organizations`, valid for a day. */
export function issueClientCertificate(ca: ClusterCa, commonName: string, organizations: string[]): ClientCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  const serial = randomBytes(16);
  // High bit clear (positive) and non-zero (a leading zero byte is a DER encoding OpenSSL refuses).
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60_000);
  cert.validity.notAfter = new Date(now + 24 * 60 * 60_000);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    ...organizations.map((value) => ({ name: 'organizationName', value })),
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey };
}

/** Writes a kubeconfig for `server` with embedded CA and client certificate; returns its path. */
export function writeClientKubeconfig(path: string, server: string, caPem: string, client: ClientCertificate): string {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': base64(caPem) } }],
    users: [
      {
        name: 'user',
        user: { 'client-certificate-data': base64(client.certPem), 'client-key-data': base64(client.keyPem) },
      },
    ],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'user' } }],
    'current-context': 'test',
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

/** The kubelet's kubeconfig: system:node:<nodeName> in system:nodes. */
export function writeNodeKubeconfig(options: {
  path: string;
  server: string;
  adminKubeconfigPath: string;
  nodeName: string;
}): string {
  const ca = readClusterCa(options.adminKubeconfigPath);
  const client = issueClientCertificate(ca, `system:node:${options.nodeName}`, ['system:nodes']);
  return writeClientKubeconfig(options.path, options.server, ca.certPem, client);
}
