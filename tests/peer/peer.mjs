// The independent client the tests script: the official matrix-js-sdk with its Rust crypto
// (@matrix-org/matrix-sdk-crypto-wasm), one Matrix device per process. Our own code never judges its own
// ciphertext: this peer decrypts what our bot sends and says what it saw (docs/encryption.md, "The independent client").
//
// Protocol: one JSON object per line on stdin, {"id": <any>, "cmd": "<name>", ...arguments}; one JSON object per line
// on stdout for each, {"id": <same>, "ok": true, "result": {...}} or {"id": <same>, "ok": false, "error": "...", ...}.
// Commands may overlap (a wait may run while another command is answered); answers carry the id they answer.
// Before any command the peer writes {"ready": true, ...} once. Everything else (js-sdk's and the crypto's log) goes
// to stderr; SOLTI_PEER_LOG=debug|info|warn|error sets its level (default info). End of stdin stops the peer.
//
// Every wait is bounded by the command's timeout_ms and ends on the event it waits for, never on a sleep.

import { createInterface } from "node:readline";
import { format } from "node:util";

// Node 20 (Debian's, the machine's) lacks Promise.withResolvers, which matrix-js-sdk 43 uses (it declares Node >= 22).
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// stdout is the protocol: every console method (js-sdk logs through loglevel onto console) writes to stderr.
const LEVELS = { debug: 0, info: 1, warn: 2, error: 3 };
const level = LEVELS[(process.env.SOLTI_PEER_LOG ?? "info").toLowerCase()] ?? LEVELS.info;
const started = Date.now();
function log(at, args) {
  if (LEVELS[at] >= level) {
    // An error in one line (its name and message) unless at debug level, where its stack and fields are wanted.
    const shown = level === LEVELS.debug ? args : args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : a));
    process.stderr.write(`[peer +${((Date.now() - started) / 1000).toFixed(3)}s ${at}] ${format(...shown)}\n`);
  }
}
console.log = (...a) => log("info", a);
console.info = (...a) => log("info", a);
console.debug = (...a) => log("debug", a);
console.trace = (...a) => log("debug", a);
console.warn = (...a) => log("warn", a);
console.error = (...a) => log("error", a);

// Imported after the polyfill and the console redirection (static imports would run first).
const sdk = await import("matrix-js-sdk");
const wasm = await import("@matrix-org/matrix-sdk-crypto-wasm");
const { CryptoEvent, DecryptionFailureCode, EventShieldColour, EventShieldReason } = await import("matrix-js-sdk/lib/crypto-api/index.js");
const { DeviceVerification } = await import("matrix-js-sdk/lib/models/device.js");
const { readFile } = await import("node:fs/promises");
const { ClientEvent, RoomEvent, RoomMemberEvent, MatrixEventEvent, SyncState } = sdk;

const jsSdkVersion = await packageVersion("matrix-js-sdk");
const wasmVersion = await packageVersion("@matrix-org/matrix-sdk-crypto-wasm");

async function packageVersion(name) {
  const url = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(await readFile(url, "utf8")).version;
}

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

class CommandError extends Error {
  constructor(message, details) {
    super(message);
    this.details = details ?? {};
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Events the waits are driven by: every change that may satisfy a waiter calls changed(), which re-checks them all.

const waiters = new Set();
let changes = 0; // how many changes so far: a wait that checks asynchronously misses none between its check and its wait

function changed() {
  changes++;
  for (const waiter of [...waiters]) {
    let done;
    try {
      done = waiter.check();
    } catch (e) {
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.reject(e);
      continue;
    }
    if (done !== undefined) {
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(done);
    }
  }
}

/** Resolves with check()'s first non-undefined value, checked now and on every change; rejects after timeoutMs with onTimeout()'s error. */
function waitFor(check, timeoutMs, onTimeout) {
  const now = check();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const waiter = { check, resolve, reject };
    waiter.timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(onTimeout());
    }, timeoutMs);
    waiters.add(waiter);
  });
}

function timeoutOf(args, fallback = 30000) {
  const t = args.timeout_ms ?? fallback;
  if (typeof t !== "number" || !(t > 0)) throw new CommandError(`timeout_ms must be a positive number, got ${JSON.stringify(t)}`);
  return t;
}

// ---------------------------------------------------------------------------------------------------------------------
// Every HTTP request the client makes, with its answer: what a homeserver lacks shows up here as method + path + status.

const requests = [];
const MAX_REQUESTS = 5000;

async function recordingFetch(input, init) {
  const url = new URL(typeof input === "string" ? input : input.url ?? String(input));
  const method = (init?.method ?? input.method ?? "GET").toUpperCase();
  const entry = { method, path: url.pathname, status: null, errcode: null, error: null, at_ms: Date.now() - started };
  if (requests.length < MAX_REQUESTS) requests.push(entry);
  try {
    const response = await fetch(input, init);
    entry.status = response.status;
    if (response.status >= 400) {
      try {
        const body = await response.clone().json();
        entry.errcode = body?.errcode ?? null;
        entry.error = body?.error ?? null;
      } catch {
        // not JSON
      }
      log("info", [`HTTP ${method} ${url.pathname} -> ${response.status} ${entry.errcode ?? ""}`]);
    }
    return response;
  } catch (e) {
    entry.error = String(e?.message ?? e);
    throw e;
  } finally {
    changed();
  }
}

function requestLog(args) {
  const failedOnly = args.failed_only ?? false;
  const grouped = new Map();
  for (const r of requests) {
    // Failed: answered 4xx/5xx, or no answer because the request itself failed; one still in flight is not failed.
    if (failedOnly && !(r.status >= 400 || (r.status === null && r.error))) continue;
    const key = `${r.method} ${r.path} ${r.status}`;
    const g = grouped.get(key);
    if (g) g.count++;
    else grouped.set(key, { method: r.method, path: r.path, status: r.status, errcode: r.errcode, error: r.error, count: 1 });
  }
  return { requests: [...grouped.values()], total: requests.length };
}

// ---------------------------------------------------------------------------------------------------------------------
// The one client this peer is.

let client = null;
let credentials = null;
let autoJoin = false;
const syncStates = [];
const messages = new Map(); // room id -> Map(event id -> MatrixEvent), in timeline order

function requireClient() {
  if (!client) throw new CommandError("not logged in: send login first");
  return client;
}

function recordTimelineEvent(event, room, toStartOfTimeline, removed, data) {
  if (removed || toStartOfTimeline || !room || event.isState()) return;
  if (data && data.liveEvent === false) return;
  const id = event.getId();
  if (!id || id.startsWith("~")) return; // a local echo, not yet sent
  let perRoom = messages.get(room.roomId);
  if (!perRoom) messages.set(room.roomId, (perRoom = new Map()));
  if (!perRoom.has(id)) perRoom.set(id, event);
  changed();
}

function attach(c) {
  c.on(ClientEvent.Sync, (state, prev, data) => {
    syncStates.push({ state, error: data?.error ? String(data.error.message ?? data.error) : null, errcode: data?.error?.errcode ?? null, at_ms: Date.now() - started });
    if (syncStates.length > 200) syncStates.shift();
    if (state === SyncState.Error) log("warn", [`sync state ERROR: ${data?.error?.message ?? data?.error}`]);
    changed();
  });
  c.on(RoomEvent.Timeline, recordTimelineEvent);
  c.on(MatrixEventEvent.Decrypted, () => changed());
  c.on(ClientEvent.Room, () => changed());
  c.on(RoomEvent.MyMembership, (room, membership) => {
    log("info", [`membership in ${room.roomId}: ${membership}`]);
    if (autoJoin && membership === "invite") {
      c.joinRoom(room.roomId).catch((e) => log("warn", [`auto-join of ${room.roomId} failed: ${e.message}`]));
    }
    changed();
  });
  c.on(RoomMemberEvent.Membership, () => changed());
  c.on(CryptoEvent.DevicesUpdated, () => changed());
  c.on(CryptoEvent.KeysChanged, () => changed());
  c.on(CryptoEvent.UserTrustStatusChanged, () => changed());
}

async function login(args) {
  if (client) throw new CommandError("already logged in");
  for (const key of ["homeserver", "user", "password"]) {
    if (!args[key]) throw new CommandError(`login needs ${key}`);
  }
  autoJoin = !!args.auto_join;
  const anonymous = sdk.createClient({ baseUrl: args.homeserver, fetchFn: recordingFetch });
  let response;
  try {
    response = await anonymous.loginRequest({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: args.user },
      password: args.password,
      device_id: args.device_id,
      initial_device_display_name: args.display_name ?? "solti-matrix js peer",
    });
  } catch (e) {
    throw new CommandError(`login failed: ${e.message}`, { errcode: e.errcode, status: e.httpStatus });
  } finally {
    anonymous.stopClient();
  }
  credentials = { user_id: response.user_id, device_id: response.device_id };
  client = sdk.createClient({
    baseUrl: args.homeserver,
    userId: response.user_id,
    deviceId: response.device_id,
    accessToken: response.access_token,
    fetchFn: recordingFetch,
    timelineSupport: true,
  });
  attach(client);
  // In memory: the peer is one run of one test; a fresh device each time (no IndexedDB needed).
  await client.initRustCrypto({ useIndexedDB: false });
  const crypto = client.getCrypto();
  const keys = await crypto.getOwnDeviceKeys();
  const version = crypto.getVersion();
  if (args.sync !== false) {
    await client.startClient({ initialSyncLimit: 50, lazyLoadMembers: args.lazy_load_members ?? false });
  }
  const result = { ...credentials, keys, crypto_version: version, js_sdk: jsSdkVersion, crypto_wasm: wasmVersion, sync_state: client.getSyncState() };
  if (args.wait_sync) {
    result.sync_state = await waitSync({ timeout_ms: args.timeout_ms });
  }
  return result;
}

async function waitSync(args) {
  const c = requireClient();
  return waitFor(
    () => {
      const s = c.getSyncState();
      if (s === SyncState.Prepared || s === SyncState.Syncing) return s;
      // js-sdk retries a failed sync for ever; an endpoint the homeserver does not have will not appear: fail now.
      const last = syncStates[syncStates.length - 1];
      if (s === SyncState.Error && last?.errcode === "M_UNRECOGNIZED") {
        throw new CommandError(`the client cannot sync: ${last.error}`, { sync_states: syncStates.slice(-20), failed_requests: requestLog({ failed_only: true }).requests });
      }
      return undefined;
    },
    timeoutOf(args),
    () => new CommandError(`the client did not sync within ${timeoutOf(args)} ms (state ${c.getSyncState()})`, { sync_states: syncStates.slice(-20), failed_requests: requestLog({ failed_only: true }).requests }),
  );
}

async function status() {
  const c = requireClient();
  const crypto = c.getCrypto();
  return {
    ...credentials,
    keys: await crypto.getOwnDeviceKeys(),
    sync_state: c.getSyncState(),
    sync_states: syncStates.slice(-20),
    rooms: await Promise.all(c.getRooms().map(async (r) => ({ room_id: r.roomId, membership: r.getMyMembership(), encrypted: await crypto.isEncryptionEnabledInRoom(r.roomId) }))),
  };
}

async function createRoom(args) {
  const c = requireClient();
  const initialState = [];
  if (args.encrypted !== false) {
    initialState.push({ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } });
  }
  const options = { invite: args.invite ?? [], initial_state: initialState, preset: args.preset ?? "private_chat" };
  if (args.name) options.name = args.name;
  try {
    const { room_id } = await c.createRoom(options);
    return { room_id };
  } catch (e) {
    throw new CommandError(`createRoom failed: ${e.message}`, { errcode: e.errcode, status: e.httpStatus });
  }
}

async function invite(args) {
  try {
    await requireClient().invite(args.room_id, args.user_id);
    return {};
  } catch (e) {
    throw new CommandError(`invite failed: ${e.message}`, { errcode: e.errcode, status: e.httpStatus });
  }
}

async function join(args) {
  try {
    const room = await requireClient().joinRoom(args.room_id);
    return { room_id: room.roomId };
  } catch (e) {
    throw new CommandError(`join failed: ${e.message}`, { errcode: e.errcode, status: e.httpStatus });
  }
}

async function leave(args) {
  try {
    await requireClient().leave(args.room_id);
    return {};
  } catch (e) {
    throw new CommandError(`leave failed: ${e.message}`, { errcode: e.errcode, status: e.httpStatus });
  }
}

/** Waits until the room is known from /sync with this membership (default join). */
function waitRoom(args) {
  const c = requireClient();
  const membership = args.membership ?? "join";
  return waitFor(
    () => {
      const room = c.getRoom(args.room_id);
      return room && room.getMyMembership() === membership ? { room_id: room.roomId, membership } : undefined;
    },
    timeoutOf(args),
    () => new CommandError(`room ${args.room_id} did not reach membership ${membership} within ${timeoutOf(args)} ms (now ${c.getRoom(args.room_id)?.getMyMembership() ?? "unknown to the client"})`, { sync_state: c.getSyncState(), failed_requests: requestLog({ failed_only: true }).requests }),
  );
}

/** Sends a message as this peer (js-sdk encrypts it when the room is encrypted). */
async function sendMessage(args) {
  const c = requireClient();
  await waitRoom({ room_id: args.room_id, membership: "join", timeout_ms: timeoutOf(args) });
  const content = args.content ?? { msgtype: "m.text", body: args.body ?? "" };
  try {
    const { event_id } = await c.sendEvent(args.room_id, args.type ?? "m.room.message", content);
    return { event_id };
  } catch (e) {
    throw new CommandError(`send failed: ${e.message}`, { errcode: e.errcode, status: e.httpStatus, failed_requests: requestLog({ failed_only: true }).requests });
  }
}

function enumName(enumeration, value) {
  return value === null || value === undefined ? null : enumeration[value] ?? String(value);
}

/** What js-sdk made of one event: its clear content when it decrypted it, what its crypto says about the sender. */
async function describe(event) {
  const encrypted = event.isEncrypted();
  const failed = event.isDecryptionFailure();
  const wire = event.getWireContent();
  const message = {
    event_id: event.getId(),
    room_id: event.getRoomId(),
    type: event.getType(),
    wire_type: event.getWireType(),
    sender: event.getSender(),
    origin_server_ts: event.getTs(),
    encrypted,
    content: failed ? null : event.getContent(),
    algorithm: encrypted ? wire.algorithm ?? null : null,
    session_id: encrypted ? wire.session_id ?? null : null,
    decryption_error: failed ? event.decryptionFailureReason ?? DecryptionFailureCode.UNKNOWN_ERROR : null,
    decryption_error_message: failed ? event.getContent()?.body ?? null : null,
    sender_key: encrypted ? event.getSenderKey() : null,
    claimed_ed25519_key: encrypted ? event.getClaimedEd25519Key() : null,
    sender_device: null,
    key_sender: null,
    shield: null,
  };
  if (encrypted && !failed) {
    const crypto = client.getCrypto();
    const info = await crypto.getEncryptionInfoForEvent(event);
    if (info) message.shield = { colour: enumName(EventShieldColour, info.shieldColour), reason: enumName(EventShieldReason, info.shieldReason) };
    // The device the Rust crypto attributes the room key to (js-sdk's own API does not surface it).
    const machine = crypto.olmMachine;
    if (machine?.getRoomEventEncryptionInfo) {
      try {
        const raw = JSON.stringify({ event_id: event.getId(), type: event.getWireType(), sender: event.getSender(), content: wire, origin_server_ts: event.getTs() });
        const rust = await machine.getRoomEventEncryptionInfo(raw, new wasm.RoomId(event.getRoomId()));
        message.sender_device = rust.senderDevice?.toString() ?? null;
        message.key_sender = rust.sender?.toString() ?? null;
        message.sender_key ??= rust.senderCurve25519Key ?? null;
        rust.free();
      } catch (e) {
        message.sender_device_error = String(e?.message ?? e);
      }
    }
  }
  return message;
}

function settled(event) {
  return !event.isBeingDecrypted() && !(event.isEncrypted() && event.getClearContent() === null && !event.isDecryptionFailure());
}

function decrypted(event) {
  return settled(event) && !event.isDecryptionFailure();
}

function selectMessages(args) {
  const perRoom = messages.get(args.room_id);
  if (!perRoom) return [];
  const own = credentials?.user_id;
  return [...perRoom.values()].filter((e) => {
    if (args.sender && e.getSender() !== args.sender) return false;
    if (!args.sender && !args.include_own && e.getSender() === own) return false;
    if (args.types && !args.types.includes(e.getType()) && !args.types.includes(e.getWireType())) return false;
    return true;
  });
}

/**
 * Waits until the room has count messages (not counting the peer's own unless include_own, or only sender's) that are
 * decrypted (until: "decrypted", the default: a key that arrives after its event still counts) or settled either way
 * (until: "settled": a failure such as no room key is an answer), and answers every such message so far.
 */
async function waitMessages(args) {
  requireClient();
  if (!args.room_id) throw new CommandError("wait_messages needs room_id");
  const count = args.count ?? 1;
  const until = args.until ?? "decrypted";
  if (until !== "decrypted" && until !== "settled") throw new CommandError(`until must be decrypted or settled, got ${until}`);
  const ok = until === "decrypted" ? decrypted : settled;
  const timeout = timeoutOf(args);
  try {
    await waitFor(
      () => {
        const selected = selectMessages(args);
        return selected.length >= count && selected.every(settled) && selected.filter(ok).length >= count ? true : undefined;
      },
      timeout,
      () => new CommandError(`fewer than ${count} ${until} messages in ${args.room_id} within ${timeout} ms`),
    );
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    e.details.messages = await Promise.all(selectMessages(args).map(describe));
    e.details.sync_state = client.getSyncState();
    e.details.failed_requests = requestLog({ failed_only: true }).requests;
    throw e;
  }
  return { messages: await Promise.all(selectMessages(args).map(describe)) };
}

/** The devices and keys this peer sees for a user (asked of the homeserver unless download is false), with trust. */
async function deviceInfo(args) {
  const c = requireClient();
  const crypto = c.getCrypto();
  const userId = args.user_id ?? credentials.user_id;
  let map;
  try {
    map = await crypto.getUserDeviceInfo([userId], args.download ?? true);
  } catch (e) {
    throw new CommandError(`getUserDeviceInfo failed: ${e.message}`, { failed_requests: requestLog({ failed_only: true }).requests });
  }
  const devices = [];
  for (const device of map.get(userId)?.values() ?? []) {
    const status = await crypto.getDeviceVerificationStatus(userId, device.deviceId);
    devices.push({
      device_id: device.deviceId,
      display_name: device.displayName ?? null,
      algorithms: device.algorithms,
      keys: Object.fromEntries(device.keys),
      curve25519: device.getIdentityKey?.() ?? null,
      ed25519: device.getFingerprint?.() ?? null,
      verified: enumName(DeviceVerification, device.verified),
      dehydrated: device.dehydrated,
      signatures: Object.fromEntries([...device.signatures].map(([user, sigs]) => [user, Object.fromEntries(sigs)])),
      verification: status && {
        is_verified: status.isVerified(),
        cross_signing_verified: status.crossSigningVerified,
        local_verified: status.localVerified,
        signed_by_owner: status.signedByOwner,
        tofu: status.tofu,
      },
    });
  }
  const user = await crypto.getUserVerificationStatus(userId);
  return {
    user_id: userId,
    devices,
    user_verification: {
      is_verified: user.isVerified(),
      cross_signing_verified: user.isCrossSigningVerified(),
      was_cross_signing_verified: user.wasCrossSigningVerified(),
      tofu: user.isTofu(),
      needs_user_approval: user.needsUserApproval,
    },
    cross_signing_keys: await crypto.getUserCrossSigningKeys(userId).catch(() => null),
  };
}

/** Waits until the peer sees each named device of a user signed by its owner's cross-signing identity (`signed_by_owner`)
 * or not, as `devices` ({device id: true|false}) asks: checked now and again on each change (device lists, keys, trust,
 * sync), never on a timer. The device_info that satisfied it. */
async function waitDeviceTrust(args) {
  const deadline = Date.now() + timeoutOf(args);
  const want = Object.entries(args.devices ?? {});
  for (;;) {
    const since = changes;
    const info = await deviceInfo({ user_id: args.user_id });
    const seen = (id) => info.devices.find((d) => d.device_id === id)?.verification?.signed_by_owner ?? null;
    if (want.every(([id, signed]) => seen(id) === signed)) return info;
    const left = deadline - Date.now();
    const failure = () => new CommandError(`devices of ${args.user_id} not as asked (signed_by_owner): want ${JSON.stringify(args.devices)}, have ${JSON.stringify(Object.fromEntries(want.map(([id]) => [id, seen(id)])))}`, { device_info: info });
    if (left <= 0) throw failure();
    await waitFor(() => (changes > since ? true : undefined), left, failure);
  }
}

let stopping = false;

async function stop() {
  stopping = true;
  if (client) {
    client.stopClient();
    // Rust crypto is stopped with the client; the OlmMachine holds nothing on disk.
  }
  return {};
}

/** Rust crypto's sharing strategy: with blacklist true, room keys go only to verified devices, and the others are
 * told so with m.room_key.withheld (m.unverified). */
async function blacklistUnverified(args) {
  const c = requireClient();
  c.getCrypto().globalBlacklistUnverifiedDevices = args.blacklist ?? true;
  return { blacklist: c.getCrypto().globalBlacklistUnverifiedDevices };
}

// ---------------------------------------------------------------------------------------------------------------------
// Attachments (the spec's EncryptedFile, v2): this peer's own Web Crypto, never our code, encrypts and decrypts them.

const subtle = globalThis.crypto.subtle;

function fromUnpaddedBase64(text) {
  return Buffer.from(text, "base64");
}

function toUnpaddedBase64(bytes) {
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}

/** Downloads an mxc:// URL with this peer's token: the authenticated media endpoint, else (a homeserver that does not
 * serve it: M_UNRECOGNIZED, or a bare 404/405) the legacy one. */
async function downloadMxc(mxc) {
  const c = requireClient();
  const match = /^mxc:\/\/([^/]+)\/([A-Za-z0-9_-]+)$/.exec(mxc ?? "");
  if (!match) throw new CommandError(`not an mxc:// URL: ${JSON.stringify(mxc)}`);
  const [, server, mediaId] = match;
  const tail = `${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`;
  const headers = { Authorization: `Bearer ${c.getAccessToken()}` };
  let response = await recordingFetch(`${c.baseUrl}/_matrix/client/v1/media/download/${tail}`, { headers });
  if (response.status === 404 || response.status === 405 || response.status === 400) {
    let errcode = null;
    try {
      errcode = (await response.clone().json())?.errcode ?? null;
    } catch {
      // not JSON: a proxy's page
    }
    if (errcode === "M_UNRECOGNIZED" || (errcode === null && response.status !== 400)) {
      response = await recordingFetch(`${c.baseUrl}/_matrix/media/v3/download/${tail}`, { headers });
    }
  }
  if (response.status !== 200) throw new CommandError(`download of ${mxc} answered ${response.status}`, { status: response.status });
  return { bytes: new Uint8Array(await response.arrayBuffer()), content_type: response.headers.get("content-type") };
}

/** Downloads the file an event's `file` (EncryptedFile) names and decrypts it with Web Crypto's AES-CTR, after checking
 * the ciphertext's SHA-256 against hashes.sha256: the plaintext (base64) and what was checked. */
async function downloadAttachment(args) {
  const file = args.file;
  if (!file || typeof file !== "object") throw new CommandError("download_attachment needs file (an EncryptedFile)");
  if (file.v !== "v2") throw new CommandError(`unsupported EncryptedFile version ${JSON.stringify(file.v)}`);
  const { bytes, content_type } = await downloadMxc(file.url);
  const digest = toUnpaddedBase64(await subtle.digest("SHA-256", bytes));
  if (digest !== file.hashes?.sha256) {
    throw new CommandError("the downloaded ciphertext's SHA-256 is not the EncryptedFile's", { expected: file.hashes?.sha256 ?? null, actual: digest });
  }
  const key = await subtle.importKey("jwk", file.key, { name: "AES-CTR" }, false, ["decrypt"]);
  const plaintext = await subtle.decrypt({ name: "AES-CTR", counter: fromUnpaddedBase64(file.iv), length: 64 }, key, bytes);
  return { plaintext_base64: Buffer.from(plaintext).toString("base64"), size: plaintext.byteLength, ciphertext_size: bytes.byteLength, sha256_checked: true, content_type };
}

/** Downloads an unencrypted mxc:// URL: its bytes (base64) and content type. */
async function downloadMedia(args) {
  const { bytes, content_type } = await downloadMxc(args.url);
  return { content_base64: Buffer.from(bytes).toString("base64"), size: bytes.byteLength, content_type };
}

/** Encrypts bytes (base64) as an attachment the way a js client does, with Web Crypto: a new AES-256 key (JWK), an IV
 * of 8 random bytes and 8 zero bytes, SHA-256 of the ciphertext. Answers the ciphertext (base64) and the EncryptedFile
 * for the url given (no upload): for our decryption to be judged against. */
async function encryptAttachment(args) {
  const plaintext = Buffer.from(args.plaintext_base64 ?? "", "base64");
  const key = await subtle.generateKey({ name: "AES-CTR", length: 256 }, true, ["encrypt", "decrypt"]);
  const jwk = await subtle.exportKey("jwk", key);
  const iv = new Uint8Array(16);
  globalThis.crypto.getRandomValues(iv.subarray(0, 8));
  const ciphertext = new Uint8Array(await subtle.encrypt({ name: "AES-CTR", counter: iv, length: 64 }, key, plaintext));
  const file = {
    url: args.url ?? "mxc://example.org/peer",
    key: { kty: jwk.kty, key_ops: jwk.key_ops, alg: jwk.alg, k: jwk.k, ext: jwk.ext },
    iv: toUnpaddedBase64(iv),
    hashes: { sha256: toUnpaddedBase64(await subtle.digest("SHA-256", ciphertext)) },
    v: "v2",
  };
  return { file, ciphertext_base64: Buffer.from(ciphertext).toString("base64") };
}

const commands = {
  ping: async () => ({ pong: true }),
  login,
  wait_sync: waitSync,
  status,
  create_room: createRoom,
  invite,
  join,
  leave,
  wait_room: waitRoom,
  send: sendMessage,
  wait_messages: waitMessages,
  device_info: deviceInfo,
  wait_device_trust: waitDeviceTrust,
  blacklist_unverified: blacklistUnverified,
  download_attachment: downloadAttachment,
  download_media: downloadMedia,
  encrypt_attachment: encryptAttachment,
  requests: async (args) => requestLog(args),
  stop,
};

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (e) {
    send({ id: null, ok: false, error: `not JSON: ${e.message}`, line });
    return;
  }
  const { id = null, cmd, ...args } = request ?? {};
  const run = commands[cmd];
  if (!run) {
    send({ id, ok: false, error: `unknown command ${JSON.stringify(cmd)}; known: ${Object.keys(commands).join(", ")}` });
    return;
  }
  log("debug", [`<- ${cmd} ${JSON.stringify(args)}`]);
  let bound;
  try {
    // Every command is bounded by its timeout_ms (default 30 s); the waits reject a little earlier with their details.
    const limit = timeoutOf(args) + 1000;
    const overrun = new Promise((_, reject) => {
      bound = setTimeout(() => reject(new CommandError(`${cmd} did not finish within ${limit} ms`, { failed_requests: requestLog({ failed_only: true }).requests })), limit);
    });
    const result = await Promise.race([run(args), overrun]);
    send({ id, ok: true, result: result ?? {} });
  } catch (e) {
    log("warn", [`${cmd} failed: ${e instanceof CommandError ? e.message : e?.stack ?? e}`]);
    send({ id, ok: false, error: String(e?.message ?? e), ...(e instanceof CommandError ? e.details : {}) });
  } finally {
    clearTimeout(bound);
  }
  if (cmd === "stop") {
    process.exit(0);
  }
}

process.on("unhandledRejection", (reason) => log("warn", [`unhandled rejection: ${reason?.stack ?? reason}`]));

// The wasm is loaded before "ready": a peer that cannot load its crypto says so at once.
await wasm.initAsync();
send({ ready: true, js_sdk: jsSdkVersion, crypto_wasm: wasmVersion, node: process.version });

const inFlight = new Set();
const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  if (!line.trim()) return;
  const handled = handle(line).finally(() => inFlight.delete(handled));
  inFlight.add(handled);
});
input.on("close", async () => {
  // Answers what was asked (each command is bounded), then stops.
  await Promise.allSettled([...inFlight]);
  if (!stopping) await stop();
  process.exit(0);
});
