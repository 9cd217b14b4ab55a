// Runs the s3rver test server in its own process for the storage tests (see s3-test-server.ts).
// s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through its
// legacy provider, so the parent starts this file with --openssl-legacy-provider. The server stops
// when the parent closes stdin (or dies), so it never outlives the tests.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  process.exit(0);
});
