/*
 * A private certificate authority per stand-in: the serving certificate and
 * client certificates (CN = user, O = groups) are signed by it, exactly how
 * kubeadm clusters authenticate admins.
 *
 * Keys are EC P-256, generated and used for signing by Node's native crypto
 * (about a millisecond each). node-forge only builds the X.509 structures:
 * its own signing supports RSA only and, being pure JavaScript, takes about a
 * second per signature under jest. So we let forge produce the
 * TBSCertificate, swap in the EC public key and the ECDSA algorithm
 * identifier, and sign the DER bytes natively.
 */
import { KeyObject, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const { asn1 } = forge;

interface KeyPair {
  privateKey: KeyObject;
  privateKeyPem: string;
  spkiDer: Buffer;
}

function newKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
  });
  return {
    privateKey,
    privateKeyPem: privateKey
      .export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
  };
}

/** A positive serial number (Go rejects negative ones). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return bytes.toString('hex');
}

// forge's TBSCertificate builder insists on an RSA key; its value is replaced below.
const PLACEHOLDER_RSA_KEY = forge.pki.setRsaPublicKey(
  new forge.jsbn.BigInteger('3'),
  new forge.jsbn.BigInteger('65537'),
);

function algorithmIdentifier() {
  // ECDSA algorithm identifiers carry no parameters (RFC 5758), not even NULL.
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.OID,
      false,
      asn1.oidToDer(ECDSA_WITH_SHA256).getBytes(),
    ),
  ]);
}

interface CertificateRequest {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  subjectKey: KeyPair;
  signingKey: KeyPair;
  years: number;
  extensions: any[];
}

function createCertificatePem(r: CertificateRequest): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = PLACEHOLDER_RSA_KEY;
  cert.serialNumber = serialNumber();
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + r.years);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(r.subject);
  cert.setIssuer(r.issuer);
  cert.setExtensions(r.extensions);
  (cert as any).siginfo.algorithmOid = ECDSA_WITH_SHA256;

  // getTBSCertificate exists in node-forge but is missing from @types/node-forge.
  const tbs = (
    forge.pki as unknown as {
      getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1;
    }
  ).getTBSCertificate(cert);
  const parts = tbs.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, [3] extensions
  parts[2] = algorithmIdentifier();
  parts[6] = asn1.fromDer(
    forge.util.createBuffer(r.subjectKey.spkiDer.toString('binary')),
  );
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, r.signingKey.privateKey);
  const certificate = asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.SEQUENCE,
    true,
    [
      tbs,
      algorithmIdentifier(),
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.BITSTRING,
        false,
        `\u0000${signature.toString('binary')}`,
      ),
    ],
  );
  return forge.pem.encode(
    { type: 'CERTIFICATE', body: asn1.toDer(certificate).getBytes() },
    { maxline: 64 },
  );
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export class CertificateAuthority {
  readonly caPem: string;
  private readonly key: KeyPair;
  private readonly subject: forge.pki.CertificateField[];

  constructor(commonName = 'kubernetes') {
    this.key = newKeyPair();
    // A unique suffix makes each stand-in's CA distinct, so one stand-in never
    // accepts another's client certificates.
    this.subject = [
      {
        name: 'commonName',
        value: `${commonName}-${randomBytes(4).toString('hex')}`,
      },
    ];
    this.caPem = createCertificatePem({
      subject: this.subject,
      issuer: this.subject,
      subjectKey: this.key,
      signingKey: this.key,
      years: 10,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        {
          name: 'keyUsage',
          keyCertSign: true,
          cRLSign: true,
          digitalSignature: true,
          critical: true,
        },
      ],
    });
  }

  /** The apiserver's serving certificate, valid for the listen IP and localhost. */
  issueServingCert(ip: string): IssuedCertificate {
    const key = newKeyPair();
    const certPem = createCertificatePem({
      subject: [{ name: 'commonName', value: 'kube-apiserver' }],
      issuer: this.subject,
      subjectKey: key,
      signingKey: this.key,
      years: 1,
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 2, value: 'kubernetes' },
            { type: 2, value: 'kubernetes.default' },
            { type: 2, value: 'kubernetes.default.svc' },
            { type: 2, value: 'kubernetes.default.svc.cluster.local' },
            { type: 7, ip },
          ],
        },
      ],
    });
    return { certPem, keyPem: key.privateKeyPem };
  }

  /**
   * A serving certificate for other names signed by this CA (e.g. the platform UIs' wildcard
   * `*.<domain>` that the demo's ingress stand-in serves).
   */
  issueServingCertFor(dnsNames: string[], ips: string[] = []): IssuedCertificate {
    const key = newKeyPair();
    const certPem = createCertificatePem({
      subject: [{ name: 'commonName', value: dnsNames[0] ?? ips[0] ?? 'server' }],
      issuer: this.subject,
      subjectKey: key,
      signingKey: this.key,
      years: 1,
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...dnsNames.map(value => ({ type: 2, value })),
            ...ips.map(ip => ({ type: 7, ip })),
          ],
        },
      ],
    });
    return { certPem, keyPem: key.privateKeyPem };
  }

  /** A client certificate as the apiserver reads it: CN is the user, each O a group. */
  issueClientCert(user: string, groups: string[] = []): IssuedCertificate {
    const key = newKeyPair();
    const certPem = createCertificatePem({
      subject: [
        ...groups.map(group => ({ name: 'organizationName', value: group })),
        { name: 'commonName', value: user },
      ],
      issuer: this.subject,
      subjectKey: key,
      signingKey: this.key,
      years: 1,
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
      ],
    });
    return { certPem, keyPem: key.privateKeyPem };
  }
}
