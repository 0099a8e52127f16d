// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** A certificate authority made for one test run, and a server certificate it signed for 127.0.0.1 and localhost. */
export type TestCertificates = Readonly<{
  /** The CA's certificate (PEM): what a client is told to trust. */
  caPem: string;
  /** The server's unencrypted PKCS#8 private key followed by its certificate chain (PEM), as Kafka's PEM keystore reads it. */
  serverKeystorePem: string;
}>;

const ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

/**
 * Makes a CA and a server certificate it signed, valid for a day, with @peculiar/x509 on Node's WebCrypto (no
 * openssl or keytool to run): TLS tests trust the CA explicitly, as an operator gives a private CA to a client.
 */
export async function makeTestCertificates(commonName = 'Varde test CA'): Promise<TestCertificates> {
  // The project compiles without the DOM library, whose WebCrypto type names @peculiar/x509 uses: hand Node's over as they are.
  x509.cryptoProvider.set(webcrypto as never);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}`,
    notBefore,
    notAfter,
    keys: caKeys as never,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const serverKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey as never,
    signingKey: caKeys.privateKey as never,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    ],
  });
  const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey), 'PRIVATE KEY');
  return { caPem: ca.toString('pem'), serverKeystorePem: `${key}\n${server.toString('pem')}\n${ca.toString('pem')}\n` };
}
