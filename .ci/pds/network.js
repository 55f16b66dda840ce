#!/usr/bin/env node
// Starts a real local AT Protocol network from @atproto/dev-env — PLC, a PDS,
// the Bluesky AppView (bsky) and Ozone, all on free 127.0.0.1 ports — for the
// end-to-end tests of internal/bluesky (its pdstest package runs this file).
//
// Protocol on stdio, one JSON object per line:
//   stdout, once ready:  {"ready":true,"pds":URL,"plc":URL,"bsky":URL,"bskyDid":DID,"startupMs":N}
//   stdin "sync":        waits until the AppView has indexed everything the
//                        PDS has sequenced, then prints {"synced":true} (or
//                        {"synced":false,"error":…})
//   stdin closed, SIGTERM or SIGINT: closes the network, drops its Postgres
//                        schemas, removes RAPPORT_PDS_TMPDIR if set, and exits.
// Logs go to stderr. Needs PostgreSQL and Redis on the machine (the AppView
// and Ozone use them): DB_POSTGRES_URL (default
// postgresql://postgres@127.0.0.1:5432/postgres) and REDIS_HOST (default
// 127.0.0.1:6379).
'use strict'

const readline = require('node:readline')
const crypto = require('node:crypto')

const started = Date.now()
const pgURL = process.env.DB_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres'
process.env.DB_POSTGRES_URL = pgURL
process.env.REDIS_HOST = process.env.REDIS_HOST || '127.0.0.1:6379'
// A fresh schema per run: several test runs may share one Postgres.
// Letters only: the AppView accepts nothing else in a schema name.
const schema =
  'rapport_pds_' +
  Array.from(crypto.randomBytes(10), (b) => String.fromCharCode(97 + (b % 26))).join('')

// Keep every server on loopback: dev-env's servers call listen(port) with no
// host, which would bind all interfaces.
const net = require('node:net')
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  } else if (
    args[0] !== null &&
    typeof args[0] === 'object' &&
    args[0].host === undefined &&
    args[0].path === undefined &&
    args[0].port !== undefined
  ) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

let network = null
let closing = null

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

async function dropSchemas() {
  const { Client } = require('pg')
  const c = new Client({ connectionString: pgURL })
  await c.connect()
  try {
    for (const s of ['appview_' + schema, 'ozone_' + schema]) {
      await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
    }
  } finally {
    await c.end()
  }
}

function shutdown(code) {
  if (closing) return closing
  closing = (async () => {
    try {
      if (network) await network.close()
    } catch (err) {
      console.error('close network:', err)
    }
    try {
      await dropSchemas()
    } catch (err) {
      console.error('drop schemas:', err)
    }
    // The harness gives us a private temp dir (PDS data and blobs); remove
    // it here too, so it goes even when the harness itself was killed.
    if (process.env.RAPPORT_PDS_TMPDIR) {
      require('node:fs').rmSync(process.env.RAPPORT_PDS_TMPDIR, { recursive: true, force: true })
    }
    process.exit(code)
  })()
  return closing
}

process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))

async function main() {
  const { TestNetwork } = require('@atproto/dev-env')
  network = await TestNetwork.create({ dbPostgresSchema: schema })
  emit({
    ready: true,
    pds: network.pds.url,
    plc: network.plc.url,
    bsky: network.bsky.url,
    bskyDid: network.bsky.ctx.cfg.serverDid,
    startupMs: Date.now() - started,
  })
  // Requests are served one at a time, in order.
  let queue = Promise.resolve()
  const rl = readline.createInterface({ input: process.stdin })
  rl.on('line', (line) => {
    const cmd = line.trim()
    if (cmd === '') return
    queue = queue.then(async () => {
      if (cmd !== 'sync') {
        emit({ error: `unknown command ${JSON.stringify(cmd)}` })
        return
      }
      try {
        await network.processAll(10000)
        emit({ synced: true })
      } catch (err) {
        emit({ synced: false, error: String(err && err.message ? err.message : err) })
      }
    })
  })
  rl.on('close', () => shutdown(0))
}

main().catch((err) => {
  console.error('start network:', err)
  emit({ ready: false, error: String(err && err.message ? err.message : err) })
  shutdown(1)
})
