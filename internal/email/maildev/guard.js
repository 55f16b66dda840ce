// Loaded before maildev with `node --require`. maildev 2.2.1's SMTP error
// handler (lib/mailserver.js, onSmtpError) rethrows every socket error
// except ECONNRESET on read, so a client that vanishes while maildev is
// writing a reply (EPIPE, ECONNRESET on write) kills the sink. The crash
// test SIGKILLs its SMTP client on purpose, so exactly those errors are
// logged and ignored here; anything else still ends the process.
'use strict'
const ignorable = new Set(['EPIPE', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED'])
process.on('uncaughtException', (err) => {
  if (err && ignorable.has(err.code)) {
    process.stderr.write(`maildev guard: ignored ${err.code} (${err.syscall || 'socket'}) from a vanished client\n`)
    return
  }
  process.stderr.write(`maildev guard: fatal: ${err && err.stack ? err.stack : err}\n`)
  process.exit(70)
})
