/**
 * `aiws keys generate [--out DIR]`: makes an Ed25519 key pair for signing workflow attestations
 * (private key PEM with mode 0600, public key PEM beside it) and prints its key id and where to put
 * each half: the private key is `aiws workflow verify --key`, the public key goes to the daemon's
 * `store.trustedKeys`.
 */
import { writeSigningKeyPair } from '../../store/index.ts';
import { isDaemonError } from '../../errors/index.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

export const help = `Usage: aiws keys generate [--out DIR]

  Writes a new Ed25519 key pair for signing workflow attestations:
    DIR/aiws-signing.key.pem   private key (PKCS#8 PEM, mode 0600): aiws workflow verify --key
    DIR/aiws-signing.pub.pem   public key (SPKI PEM): list it in the daemon's store.trustedKeys
  and prints the key id (sha256 of the public key, 16 hex digits) that attestations name.
  Existing key files are never overwritten.

Options:
  --out <dir>   where to write the pair (default: the current directory)
  -h, --help    show this help

Exit status: 0 written, 1 a key file exists already, 2 usage error.`;

export default async function keys(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError('missing subcommand: expected "generate"');
  if (sub !== 'generate') throw new UsageError(`unknown subcommand "${sub}": expected "generate"`);
  const { values } = parseCommandArgs(rest, { options: { out: { type: 'string' } }, allowPositionals: false });
  try {
    const written = await writeSigningKeyPair(values.out ?? '.');
    process.stdout.write(`key id      ${written.keyId}\nprivate key ${written.privateKeyPath} (mode 0600)\npublic key  ${written.publicKeyPath}\n`);
    return 0;
  } catch (error) {
    if (isDaemonError(error)) {
      process.stderr.write(`aiws keys: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
