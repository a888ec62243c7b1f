// The Depot wire contract (docs: /work/shared/contract.md, "Depot wire contract") implemented in
// Node on socket.io, in memory, as the benchmark's reference. It is written the way a team would
// write it from the frontend guide: plain http module, one Map per resource, Socket.IO rooms per
// role and package. Nothing is persisted.
//
//   node server.mjs [--port N] [--host ADDR] [--admin-password PW]
//                   [--location-interval S] [--location-distance M]

import crypto from 'node:crypto';
import http from 'node:http';
import { promisify } from 'node:util';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';

const pbkdf2 = promisify(crypto.pbkdf2);

function option(name, fallback) {
  const flag = `--${name}`;
  const i = process.argv.indexOf(flag);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  const env = process.env[`DEPOT_${name.toUpperCase().replace(/-/g, '_')}`];
  return env ?? fallback;
}

const host = option('host', '0.0.0.0');
const port = Number(option('port', '3000'));
const adminPassword = option('admin-password', null) ?? crypto.randomBytes(12).toString('base64url');
const locationIntervalMs = Number(option('location-interval', '30')) * 1000;
const locationDistance = Number(option('location-distance', '50'));
// With --redis, several reference servers share rooms through socket.io's Redis Streams adapter,
// as a Node cluster would; each still keeps its own accounts and packages in memory.
const redisUrl = option('redis', null);
const ITERATIONS = 120000; // same work factor as the hub, so logins cost the same

// ---- model ---------------------------------------------------------------------------------

const users = new Map(); // username -> {id, username, name, role, hash, salt}
const usersById = new Map();
const tokens = new Map(); // token -> user
const couriers = new Map(); // id -> courier
const packages = new Map(); // id -> package
const byTrackingCode = new Map();
const byTrackingToken = new Map();
const packageEvents = new Map(); // id -> [{event, timestamp, ...}]
const throttles = new Map(); // courierId -> {at, latitude, longitude}
const speeds = new Map(); // courierId -> smoothed m/s

const now = () => new Date().toISOString();
const uuid = () => crypto.randomUUID();

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function hashPassword(password) {
  const salt = crypto.randomBytes(16);
  const hash = await pbkdf2(password, salt, ITERATIONS, 32, 'sha256');
  return { salt, hash };
}

async function createUser(username, password, name, role, id = uuid()) {
  if (users.has(username)) throw new HttpError(409, 'conflict', 'username is taken');
  const user = { id, username, name, role, ...(await hashPassword(password)) };
  if (users.has(username)) throw new HttpError(409, 'conflict', 'username is taken');
  users.set(username, user);
  usersById.set(id, user);
  return user;
}

function publicUser(u) {
  return { id: u.id, username: u.username, name: u.name, role: u.role };
}

function courierJson(c) {
  return {
    id: c.id, name: c.name, username: c.username, phone: c.phone, deviceId: c.deviceId,
    online: c.sockets > 0, lastLocation: c.lastLocation,
  };
}

function packageJson(p, withToken) {
  const out = {
    id: p.id, trackingCode: p.trackingCode, recipientName: p.recipientName, address: p.address,
    destination: p.destination, status: p.status, deliveryPersonId: p.deliveryPersonId,
    notes: p.notes, reason: p.reason, createdAt: p.createdAt, updatedAt: p.updatedAt,
  };
  if (withToken) out.trackingToken = p.trackingToken;
  return out;
}

function distanceMetres(lat1, lon1, lat2, lon2) {
  const r = 6371000;
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

function validFix(body) {
  if (!body || typeof body !== 'object') return 'a location object is required';
  const { latitude, longitude } = body;
  if (!isNum(latitude) || !isNum(longitude) || latitude < -90 || latitude > 90
      || longitude < -180 || longitude > 180)
    return 'latitude must be in [-90, 90] and longitude in [-180, 180]';
  for (const k of ['accuracy', 'speed', 'heading'])
    if (body[k] != null && !isNum(body[k])) return `${k} must be a number`;
  return null;
}

// ---- realtime ------------------------------------------------------------------------------

const httpServer = http.createServer(handle);
const io = new Server(httpServer, {
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1e6,
  connectTimeout: 45000,
  cors: { origin: true, credentials: true },
  connectionStateRecovery: { maxDisconnectionDuration: 120000, skipMiddlewares: true },
  ...(redisUrl ? { adapter: createAdapter(new Redis(redisUrl)) } : {}),
});

const packageRoom = (id) => `package:${id}`;
const courierRoom = (id) => `courier:${id}`;
const DISPATCHERS = 'dispatchers';

function audience(p) {
  let to = io.to(DISPATCHERS).to(packageRoom(p.id));
  if (p.deliveryPersonId) to = to.to(courierRoom(p.deliveryPersonId));
  return to;
}

function record(p, event, payload) {
  packageEvents.get(p.id).push({ event, ...payload });
}

function emitStatus(p, specific, specificPayload, previousCourier) {
  const timestamp = p.updatedAt;
  if (specific) {
    const payload = { ...specificPayload, timestamp };
    record(p, specific, payload);
    audience(p).emit(specific, payload);
  }
  const update = {
    packageId: p.id, status: p.status, timestamp, deliveryPersonId: p.deliveryPersonId, reason: p.reason,
  };
  record(p, 'package:update', update);
  let to = audience(p);
  if (previousCourier && previousCourier !== p.deliveryPersonId) to = to.to(courierRoom(previousCourier));
  to.emit('package:update', update);
  console.log(`Emitting package update for ${p.id}: { status: '${p.status}', timestamp: ${timestamp} }`);
}

function carriedBy(courierId) {
  const carried = [];
  for (const p of packages.values())
    if (p.deliveryPersonId === courierId && (p.status === 'IN_PROGRESS' || p.status === 'ASSIGNED')) carried.push(p);
  carried.sort((a, b) => (a.status === b.status ? 0 : a.status === 'IN_PROGRESS' ? -1 : 1));
  return carried;
}

function acceptFix(courier, body) {
  const timestamp = typeof body.timestamp === 'string' && !Number.isNaN(Date.parse(body.timestamp))
    && Date.parse(body.timestamp) <= Date.now() ? new Date(body.timestamp).toISOString() : now();
  const prev = courier.lastLocation;
  if (prev) {
    const dt = (Date.parse(timestamp) - Date.parse(prev.timestamp)) / 1000;
    const d = distanceMetres(prev.latitude, prev.longitude, body.latitude, body.longitude);
    if (dt > 0) speeds.set(courier.id, 0.7 * (speeds.get(courier.id) ?? d / dt) + 0.3 * (d / dt));
  }
  const fix = {
    latitude: body.latitude, longitude: body.longitude, accuracy: body.accuracy ?? null,
    speed: body.speed ?? null, heading: body.heading ?? null, timestamp,
  };
  courier.lastLocation = fix;

  const carried = carriedBy(courier.id);
  const speed = speeds.get(courier.id);
  const payloadFor = (p) => {
    let etaSeconds = null;
    if (p && speed > 0.5) {
      etaSeconds = Math.round(distanceMetres(fix.latitude, fix.longitude, p.destination.latitude,
                                             p.destination.longitude) / speed);
    }
    return {
      deliveryPersonId: courier.id, packageId: p ? p.id : null,
      location: { latitude: fix.latitude, longitude: fix.longitude },
      timestamp, heading: fix.heading, speed: fix.speed, etaSeconds,
    };
  };
  io.to(DISPATCHERS).emit('location:update', payloadFor(carried[0]));
  if (carried.length === 0) return;
  const t = throttles.get(courier.id);
  const nowMs = Date.now();
  const due = !t || nowMs - t.at >= locationIntervalMs
    || distanceMetres(t.latitude, t.longitude, fix.latitude, fix.longitude) >= locationDistance;
  if (!due) return;
  throttles.set(courier.id, { at: nowMs, latitude: fix.latitude, longitude: fix.longitude });
  for (const p of carried) io.to(packageRoom(p.id)).emit('location:update', payloadFor(p));
}

io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  const user = token && tokens.get(token);
  if (user) {
    socket.data.user = user;
    return next();
  }
  const pkg = token && byTrackingToken.get(token);
  if (pkg) {
    socket.data.user = { role: 'tracker', packageId: pkg.id };
    return next();
  }
  const err = new Error('unauthorized');
  err.data = { code: 'unauthorized' };
  next(err);
});

io.on('connection', (socket) => {
  const user = socket.data.user;
  if (!socket.recovered) {
    if (user.role === 'dispatcher') socket.join(DISPATCHERS);
    else if (user.role === 'courier') {
      socket.join(courierRoom(user.id));
      for (const p of packages.values()) if (p.deliveryPersonId === user.id) socket.join(packageRoom(p.id));
    } else socket.join(packageRoom(user.packageId));
  }
  if (user.role === 'courier') {
    const c = couriers.get(user.id);
    if (c && c.sockets++ === 0) io.to(DISPATCHERS).emit('courier:update', { deliveryPersonId: c.id, online: true, timestamp: now() });
    socket.on('disconnect', () => {
      if (c && --c.sockets === 0) io.to(DISPATCHERS).emit('courier:update', { deliveryPersonId: c.id, online: false, timestamp: now() });
    });
  }
  socket.on('location:update', (body, ack) => {
    const reply = typeof ack === 'function' ? ack : () => {};
    if (user.role !== 'courier') return reply({ error: { code: 'forbidden', message: 'only couriers send their location' } });
    const problem = validFix(body);
    if (problem) return reply({ error: { code: 'validation_failed', message: problem } });
    acceptFix(couriers.get(user.id), body);
    reply({ ok: true });
  });
});

// ---- REST ----------------------------------------------------------------------------------

function send(res, status, body) {
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1e6) {
        reject(new HttpError(413, 'payload_too_large', 'the body is over 1 MB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) return resolve({});
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'bad_request', 'malformed JSON'));
      }
    });
    req.on('error', reject);
  });
}

function caller(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  const user = m && tokens.get(m[1]);
  if (!user) throw new HttpError(401, 'unauthorized', 'a valid token is required');
  return user;
}

const requireDispatcher = (u) => {
  if (u.role !== 'dispatcher') throw new HttpError(403, 'forbidden', 'dispatchers only');
};
const str = (v, name, optional = false) => {
  if (v == null && optional) return null;
  if (typeof v !== 'string' || (!optional && v === '')) throw new HttpError(400, 'validation_failed', `${name} must be a string`);
  return v;
};

function visiblePackage(u, id) {
  const p = packages.get(id);
  if (!p || (u.role === 'courier' && p.deliveryPersonId !== u.id)) throw new HttpError(404, 'not_found', 'no such package');
  return p;
}

const transitions = {
  assign: ['PENDING', 'ASSIGNED'], start: ['ASSIGNED'], complete: ['IN_PROGRESS'],
  fail: ['ASSIGNED', 'IN_PROGRESS'], cancel: ['PENDING', 'ASSIGNED', 'IN_PROGRESS'],
};

function transition(p, action) {
  if (!transitions[action].includes(p.status))
    throw new HttpError(409, 'invalid_transition', `package is ${p.status}; it cannot be ${action}ed`);
}

const failedLogins = new Map(); // address -> {count, since}

async function route(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method;

  if (method === 'GET' && url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
  if (parts[0] !== 'api') throw new HttpError(404, 'not_found', 'no such resource');

  if (method === 'POST' && url.pathname === '/api/auth/login') {
    const addr = req.socket.remoteAddress;
    const f = failedLogins.get(addr);
    if (f && f.count >= 10 && Date.now() - f.since < 60000) throw new HttpError(429, 'rate_limited', 'too many failed logins; try again in a minute');
    const body = await readBody(req);
    const user = users.get(str(body.username, 'username'));
    const password = str(body.password, 'password');
    const ok = user && crypto.timingSafeEqual(await pbkdf2(password, user.salt, ITERATIONS, 32, 'sha256'), user.hash);
    if (!ok) {
      const g = f && Date.now() - f.since < 60000 ? f : { count: 0, since: Date.now() };
      g.count++;
      failedLogins.set(addr, g);
      throw new HttpError(401, 'unauthorized', 'wrong username or password');
    }
    const token = crypto.randomBytes(32).toString('hex');
    tokens.set(token, user);
    return send(res, 200, { token, user: publicUser(user) });
  }

  if (method === 'GET' && parts[1] === 'track' && parts.length === 3) {
    const p = byTrackingCode.get(parts[2]);
    if (!p) throw new HttpError(404, 'not_found', 'no such package');
    return send(res, 200, {
      package: { id: p.id, trackingCode: p.trackingCode, status: p.status, recipientName: p.recipientName, destination: p.destination, updatedAt: p.updatedAt },
      token: p.trackingToken,
    });
  }

  const u = caller(req);
  if (method === 'GET' && url.pathname === '/api/me') return send(res, 200, publicUser(u));

  if (parts[1] === 'couriers') {
    if (parts.length === 2 && method === 'POST') {
      requireDispatcher(u);
      const body = await readBody(req);
      const name = str(body.name, 'name');
      const username = str(body.username, 'username');
      const password = str(body.password, 'password');
      const phone = str(body.phone, 'phone', true);
      const deviceId = str(body.deviceId, 'deviceId', true);
      const user = await createUser(username, password, name, 'courier');
      const c = { id: user.id, name, username, phone, deviceId, sockets: 0, lastLocation: null };
      couriers.set(c.id, c);
      return send(res, 201, courierJson(c));
    }
    if (parts.length === 2 && method === 'GET') {
      requireDispatcher(u);
      return send(res, 200, [...couriers.values()].map(courierJson));
    }
    const c = couriers.get(parts[2]);
    if (!c || (u.role !== 'dispatcher' && u.id !== c.id)) throw new HttpError(404, 'not_found', 'no such courier');
    if (parts.length === 3 && method === 'GET') return send(res, 200, courierJson(c));
    if (parts.length === 3 && method === 'PATCH') {
      requireDispatcher(u);
      const body = await readBody(req);
      for (const k of ['name', 'phone', 'deviceId']) if (k in body) c[k] = str(body[k], k, k !== 'name');
      if (body.password != null) Object.assign(usersById.get(c.id), await hashPassword(str(body.password, 'password')));
      if (body.name) usersById.get(c.id).name = body.name;
      return send(res, 200, courierJson(c));
    }
    if (parts.length === 4 && parts[3] === 'location' && method === 'POST') {
      const body = await readBody(req);
      const problem = validFix(body);
      if (problem) throw new HttpError(400, 'validation_failed', problem);
      acceptFix(c, body);
      return send(res, 202, { accepted: true });
    }
  }

  if (parts[1] === 'packages') {
    if (parts.length === 2 && method === 'POST') {
      requireDispatcher(u);
      const body = await readBody(req);
      const d = body.destination;
      if (!d || validFix(d)) throw new HttpError(400, 'validation_failed', 'destination must have latitude and longitude');
      const t = now();
      const p = {
        id: uuid(), trackingCode: crypto.randomBytes(6).toString('hex').toUpperCase(),
        trackingToken: crypto.randomBytes(24).toString('base64url'),
        recipientName: str(body.recipientName, 'recipientName'), address: str(body.address, 'address'),
        destination: { latitude: d.latitude, longitude: d.longitude }, status: 'PENDING',
        deliveryPersonId: null, notes: str(body.notes, 'notes', true), reason: null, createdAt: t, updatedAt: t,
      };
      packages.set(p.id, p);
      byTrackingCode.set(p.trackingCode, p);
      byTrackingToken.set(p.trackingToken, p);
      packageEvents.set(p.id, []);
      return send(res, 201, packageJson(p, true));
    }
    if (parts.length === 2 && method === 'GET') {
      const status = url.searchParams.get('status');
      const dp = url.searchParams.get('deliveryPersonId');
      const list = [...packages.values()].filter((p) => (u.role === 'dispatcher' || p.deliveryPersonId === u.id)
        && (!status || p.status === status) && (!dp || p.deliveryPersonId === dp));
      return send(res, 200, list.map((p) => packageJson(p, u.role === 'dispatcher')));
    }
    const p = visiblePackage(u, parts[2]);
    if (parts.length === 3 && method === 'GET') return send(res, 200, packageJson(p, u.role === 'dispatcher'));
    if (parts.length === 4 && parts[3] === 'events' && method === 'GET') return send(res, 200, packageEvents.get(p.id));
    if (parts.length === 4 && method === 'POST' && parts[3] in transitions) {
      const action = parts[3];
      const body = await readBody(req);
      if (action === 'assign' || action === 'cancel') requireDispatcher(u);
      transition(p, action);
      const previous = p.deliveryPersonId;
      let specific = null;
      let payload = null;
      if (action === 'assign') {
        const id = str(body.deliveryPersonId, 'deliveryPersonId');
        if (!couriers.has(id)) throw new HttpError(404, 'not_found', 'no such courier');
        p.deliveryPersonId = id;
        p.status = 'ASSIGNED';
        for (const s of await io.in(courierRoom(id)).fetchSockets()) s.join(packageRoom(p.id));
        specific = 'delivery:assigned';
        payload = { packageId: p.id, deliveryPersonId: id };
      } else if (action === 'start') {
        p.status = 'IN_PROGRESS';
        specific = 'delivery:started';
        payload = { packageId: p.id, deliveryPersonId: p.deliveryPersonId };
      } else if (action === 'complete') {
        p.status = 'COMPLETED';
        specific = 'delivery:completed';
        payload = { packageId: p.id, deliveryPersonId: p.deliveryPersonId };
      } else if (action === 'fail') {
        p.reason = str(body.reason, 'reason');
        p.status = 'FAILED';
        specific = 'delivery:failed';
        payload = { packageId: p.id, deliveryPersonId: p.deliveryPersonId, reason: p.reason };
      } else {
        p.reason = str(body.reason, 'reason', true);
        p.status = 'CANCELLED';
        specific = 'package:cancelled';
        payload = { packageId: p.id, reason: p.reason };
      }
      p.updatedAt = now();
      emitStatus(p, specific, payload, previous);
      return send(res, 200, packageJson(p, u.role === 'dispatcher'));
    }
  }
  throw new HttpError(404, 'not_found', 'no such resource');
}

function handle(req, res) {
  route(req, res).catch((err) => {
    if (err instanceof HttpError) send(res, err.status, { error: { code: err.code, message: err.message } });
    else {
      console.error(err);
      send(res, 500, { error: { code: 'internal', message: 'internal error' } });
    }
  });
}

await createUser('dispatcher', adminPassword, 'Dispatcher', 'dispatcher');
if (!option('admin-password', null)) console.log(`admin password: ${adminPassword}`);

httpServer.on('error', (err) => {
  console.error(err.message);
  process.exit(err.code === 'EADDRINUSE' ? 3 : 2);
});
httpServer.listen(port, host, () => {
  console.log(`listening on http://${host}:${httpServer.address().port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
