// Sends HL7 files to an MLLP server with @medplum/hl7's client (one
// connection, each message in turn) and prints each acknowledgment, with
// LF between segments and a line "---" after each.
// Usage: node medplum-send.cjs HOST PORT FILE...
const fs = require('fs');
const { Hl7Client } = require('@medplum/hl7');
const { Hl7Message } = require('@medplum/core');

async function main() {
  const [host, port, ...files] = process.argv.slice(2);
  const client = new Hl7Client({ host, port: Number(port), keepAlive: true });
  try {
    for (const f of files) {
      const msg = Hl7Message.parse(fs.readFileSync(f, 'utf8'));
      const ack = await client.sendAndWait(msg, { timeoutMs: 10000 });
      process.stdout.write(ack.toString().replace(/\r/g, '\n') + '\n---\n');
    }
  } finally {
    await client.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
