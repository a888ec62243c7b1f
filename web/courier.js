// The courier page: log in, see and work through one's deliveries, share one's position.
import { api, ApiError, distanceMetres, el, FINAL_STATUSES, formatTime, metaNumber, showMessage }
    from './common.js';

// The hub announces a courier to trackers at most once per interval unless they moved the
// distance; sending more often than that costs the phone's battery and helps nobody.
const SEND_INTERVAL_MS = metaNumber('depot-location-interval', 30) * 1000;
const SEND_DISTANCE_M = metaNumber('depot-location-distance', 50);
// Fixes kept while the hub cannot be reached; beyond this the oldest are dropped.
const MAX_QUEUED_FIXES = 500;
const ACK_TIMEOUT_MS = 10000;
const RETRY_AFTER_MS = 5000;
// Failed reconnects after which the page says "offline" rather than "reconnecting".
const OFFLINE_AFTER_ATTEMPTS = 3;

// How a courier reads a delivery's status (the tracking page speaks to the recipient).
const STATUS_LABELS = {
    ASSIGNED: 'To deliver',
    IN_PROGRESS: 'On the way',
    COMPLETED: 'Delivered',
    FAILED: 'Failed',
    CANCELLED: 'Cancelled',
};

// The depot's proof of delivery policy: none, optional (a second button) or required (Delivered
// asks for it).
const PROOF_POLICY = ['none', 'optional', 'required'].includes(
    document.querySelector('meta[name="depot-proof"]')?.content)
    ? document.querySelector('meta[name="depot-proof"]').content : 'optional';
const MAX_PHOTOS = 3;
// Photos are shrunk on the phone before they wait or travel: longest side, JPEG quality.
const PHOTO_MAX_SIDE = 1600;
const PHOTO_QUALITY = 0.85;

const SESSION_KEY = 'depot.courier.session';
const SHARING_KEY = 'depot.courier.sharing';
const queueKey = (userId) => `depot.courier.fixes.${userId}`;

const $ = (id) => document.getElementById(id);

let session = null; // { token, user }
let socket = null;
let reconnectAttempts = 0;
const packages = new Map(); // id -> package
const cardState = new Map(); // id -> { busy, failOpen, reason, error }
let queue = [];
let sending = false;
let retryTimer = null;
let watchId = null;
let lastKeptFix = null;
let positionsSeen = 0; // from the browser, kept or not
const proofDrafts = new Map(); // package id -> { form, canvas, signed, photos: [Blob] }
let outboxJobs = []; // deliveries with their proof, waiting in IndexedDB, oldest first
let flushingOutbox = false;
let outboxTimer = null;

// ---- session ----

function loadSession() {
    try {
        const stored = JSON.parse(localStorage.getItem(SESSION_KEY));
        return stored?.token && stored?.user?.id ? stored : null;
    } catch {
        return null;
    }
}

function showLogin(message) {
    $('app-view').hidden = true;
    $('login-view').hidden = false;
    const username = new URLSearchParams(location.search).get('u');
    if (username && !$('username').value)
        $('username').value = username;
    showMessage($('login-error'), message);
    ($('username').value ? $('password') : $('username')).focus();
}

async function logIn(event) {
    event.preventDefault();
    const username = $('username').value.trim();
    const password = $('password').value;
    if (!username || !password) {
        showMessage($('login-error'), 'Enter your username and password.');
        return;
    }
    $('login-button').disabled = true;
    showMessage($('login-error'), '');
    try {
        const { token, user } = await api('POST', '/api/auth/login', { body: { username, password } });
        if (user.role !== 'courier') {
            await api('POST', '/api/auth/logout', { token }).catch(() => {});
            showMessage($('login-error'), 'This page is for couriers. Dispatchers use the Depot console.');
            return;
        }
        session = { token, user };
        localStorage.setItem(SESSION_KEY, JSON.stringify(session));
        $('password').value = '';
        startApp();
    } catch (err) {
        const message = err.status === 401 ? 'Wrong username or password.'
            : err.status === 429 ? 'Too many failed attempts. Wait a minute and try again.'
            : err.message;
        showMessage($('login-error'), message);
    } finally {
        $('login-button').disabled = false;
    }
}

function logOut(message) {
    const token = session?.token;
    stopSharing(false);
    socket?.close();
    socket = null;
    session = null;
    lastKeptFix = null;
    packages.clear();
    cardState.clear();
    localStorage.removeItem(SESSION_KEY);
    if (token && !message)
        api('POST', '/api/auth/logout', { token }).catch(() => {});
    showLogin(message);
}

// ---- the app ----

function startApp() {
    $('login-view').hidden = true;
    $('app-view').hidden = false;
    $('courier-name').textContent = session.user.name || session.user.username;
    queue = loadQueue();
    lastKeptFix = queue.at(-1) ?? null;
    renderDeliveries();
    renderQueue();
    loadOutbox();
    connect();
    loadDeliveries();
    if (localStorage.getItem(SHARING_KEY) === '1')
        startSharing();
    else
        renderSharing('Location sharing is off.');
}

async function loadDeliveries() {
    try {
        const list = await api('GET', '/api/packages', { token: session.token });
        packages.clear();
        for (const p of list)
            packages.set(p.id, p);
        showMessage($('app-error'), '');
        renderDeliveries();
    } catch (err) {
        handleApiError(err);
    }
}

async function refreshPackage(id) {
    try {
        packages.set(id, await api('GET', `/api/packages/${id}`, { token: session.token }));
    } catch (err) {
        if (err.status === 404)
            packages.delete(id); // no longer ours
        else
            return handleApiError(err);
    }
    renderDeliveries();
}

function handleApiError(err) {
    if (err instanceof ApiError && err.status === 401)
        logOut('Your session has ended. Please log in again.');
    else
        showMessage($('app-error'), err.message);
}

// ---- real-time ----

function connect() {
    reconnectAttempts = 0;
    socket = io({ auth: { token: session.token }, reconnectionDelayMax: 5000 });
    socket.on('connect', () => {
        reconnectAttempts = 0;
        renderConnection();
        // A recovered session got every missed event; otherwise the list may be stale.
        if (!socket.recovered)
            loadDeliveries();
        flushQueue();
        flushOutbox();
    });
    socket.on('disconnect', renderConnection);
    socket.on('connect_error', (err) => {
        if (err.message === 'unauthorized')
            logOut('Your session has ended. Please log in again.');
        else
            renderConnection();
    });
    socket.io.on('reconnect_attempt', (attempt) => {
        reconnectAttempts = attempt;
        renderConnection();
    });
    socket.on('delivery:assigned', (e) => refreshPackage(e.packageId));
    socket.on('package:update', (e) => {
        const known = packages.get(e.packageId);
        if (e.deliveryPersonId && e.deliveryPersonId !== session.user.id) {
            packages.delete(e.packageId); // given to another courier
            renderDeliveries();
        } else if (known) {
            packages.set(e.packageId, { ...known, status: e.status, reason: e.reason, updatedAt: e.timestamp });
            renderDeliveries();
        } else {
            refreshPackage(e.packageId);
        }
    });
    socket.on('package:cancelled', (e) => {
        const known = packages.get(e.packageId);
        if (known) {
            packages.set(e.packageId, { ...known, status: 'CANCELLED', reason: e.reason });
            renderDeliveries();
        }
    });
}

function connectionState() {
    if (socket?.connected)
        return 'connected';
    if (!navigator.onLine || reconnectAttempts >= OFFLINE_AFTER_ATTEMPTS)
        return 'offline';
    return 'reconnecting';
}

function renderConnection() {
    const state = connectionState();
    const text = {
        connected: 'Connected',
        reconnecting: 'Reconnecting…',
        offline: 'Offline: positions are kept and sent when the depot is back',
    }[state];
    $('connection').dataset.state = state;
    $('connection-text').textContent = text;
}

// ---- deliveries ----

function statusOrder(p) {
    return { IN_PROGRESS: 0, ASSIGNED: 1 }[p.status] ?? 2;
}

function renderDeliveries() {
    const all = [...packages.values()].sort((a, b) => statusOrder(a) - statusOrder(b)
        || String(a.createdAt).localeCompare(String(b.createdAt)));
    const active = all.filter((p) => !FINAL_STATUSES.has(p.status));
    const finished = all.filter((p) => FINAL_STATUSES.has(p.status)).reverse();
    replaceCards($('deliveries'), active);
    replaceCards($('finished'), finished);
    $('no-deliveries').hidden = active.length > 0;
    $('finished-section').hidden = finished.length === 0;
}

// Rebuilds only the cards whose content changed, so a reason being typed keeps its focus.
function replaceCards(list, items) {
    const existing = new Map([...list.children].map((node) => [node.dataset.id, node]));
    items.forEach((p, index) => {
        const key = JSON.stringify([p, cardState.get(p.id) ?? null]);
        let card = existing.get(p.id);
        if (!card || card.dataset.key !== key) {
            const fresh = renderCard(p);
            fresh.dataset.key = key;
            if (card)
                card.replaceWith(fresh);
            card = fresh;
        }
        existing.delete(p.id);
        if (list.children[index] !== card)
            list.insertBefore(card, list.children[index] ?? null);
    });
    for (const stale of existing.values())
        stale.remove();
}

function renderCard(p) {
    const state = cardState.get(p.id) ?? {};
    const busy = Boolean(state.busy);
    const buttons = [];
    const waiting = outboxJobs.some((job) => job.packageId === p.id);
    if (waiting)
        return el('li', { class: 'card', dataset: { id: p.id, status: p.status, waiting: '1' } },
            el('div', { class: 'card-head' },
               el('strong', { class: 'recipient' }, p.recipientName),
               el('span', { class: 'badge' }, 'Waiting to send')),
            el('p', { class: 'address' }, p.address),
            el('p', { class: 'hint' }, 'Delivered. The proof and the delivery go out as soon as the depot can be reached.'));
    if (p.status === 'ASSIGNED')
        buttons.push(el('button', { type: 'button', class: 'primary', 'data-action': 'start', disabled: busy,
                                    onclick: () => act(p, 'start') }, 'Start'));
    if (p.status === 'IN_PROGRESS' && !state.proofOpen) {
        // With a required proof, Delivered asks for it; an optional one has a button of its own.
        const askProof = PROOF_POLICY === 'required';
        buttons.push(el('button', { type: 'button', class: 'primary', 'data-action': 'complete', disabled: busy,
                                    onclick: () => (askProof ? openProof(p) : act(p, 'complete')) }, 'Delivered'));
        if (PROOF_POLICY === 'optional')
            buttons.push(el('button', { type: 'button', 'data-action': 'proof', disabled: busy,
                                        onclick: () => openProof(p) }, 'Delivered with proof…'));
    }
    if ((p.status === 'ASSIGNED' || p.status === 'IN_PROGRESS') && !state.failOpen && !state.proofOpen)
        buttons.push(el('button', { type: 'button', class: 'danger', 'data-action': 'fail', disabled: busy,
                                    onclick: () => setCardState(p.id, { failOpen: true, error: '' }) }, 'Failed…'));

    let failForm = null;
    if (state.failOpen && !FINAL_STATUSES.has(p.status)) {
        const reason = el('textarea', { name: 'reason', rows: 2, maxlength: 500, 'aria-label': 'Reason',
                                        placeholder: 'Why? For example: nobody at home' });
        reason.value = state.reason ?? '';
        reason.addEventListener('input', () => {
            const s = cardState.get(p.id);
            if (s)
                s.reason = reason.value; // kept without a re-render
        });
        failForm = el('form', { class: 'fail-form', onsubmit: (event) => {
            event.preventDefault();
            const text = reason.value.trim();
            if (!text) {
                setCardState(p.id, { reason: reason.value, error: 'Say why the delivery failed.' });
                return;
            }
            act(p, 'fail', { reason: text });
        } }, reason,
        el('div', { class: 'actions' },
           el('button', { type: 'submit', class: 'danger', 'data-action': 'confirm-fail', disabled: busy }, 'Report failed'),
           el('button', { type: 'button', class: 'quiet', disabled: busy,
                          onclick: () => setCardState(p.id, { failOpen: false, error: '' }) }, 'Back')));
    }

    const destination = p.destination
        ? el('a', { class: 'navigate', href: `geo:${p.destination.latitude},${p.destination.longitude}` }, 'Open in maps')
        : null;
    return el('li', { class: 'card', dataset: { id: p.id, status: p.status } },
        el('div', { class: 'card-head' },
           el('strong', { class: 'recipient' }, p.recipientName),
           el('span', { class: `badge status-${p.status}` }, STATUS_LABELS[p.status] ?? p.status)),
        el('p', { class: 'address' }, p.address),
        p.notes ? el('p', { class: 'notes' }, p.notes) : null,
        p.reason ? el('p', { class: 'reason' }, `Reason: ${p.reason}`) : null,
        el('p', { class: 'meta' }, `${p.trackingCode ?? ''}`, p.updatedAt ? ` · ${formatTime(p.updatedAt)}` : ''),
        destination,
        buttons.length ? el('div', { class: 'actions' }, ...buttons) : null,
        failForm,
        state.proofOpen && p.status === 'IN_PROGRESS' ? proofDrafts.get(p.id)?.form : null,
        state.error ? el('p', { class: 'error', role: 'alert' }, state.error) : null);
}

function setCardState(id, changes) {
    cardState.set(id, { ...(cardState.get(id) ?? {}), ...changes });
    renderDeliveries();
}

async function act(p, action, body) {
    setCardState(p.id, { busy: true, error: '' });
    try {
        const updated = await api('POST', `/api/packages/${p.id}/${action}`, { token: session.token, body });
        packages.set(updated.id, updated);
        cardState.delete(p.id);
        renderDeliveries();
    } catch (err) {
        setCardState(p.id, { busy: false, error: err.message });
        if (err.status === 401)
            handleApiError(err);
        else if (err.status === 404 || err.status === 409)
            refreshPackage(p.id); // changed elsewhere: show what it is now
    }
}

// ---- proof of delivery ----

/** Opens the proof form of a card; the form (its drawing and photos) outlives re-renders. */
function openProof(p) {
    if (!proofDrafts.has(p.id))
        proofDrafts.set(p.id, makeProofForm(p));
    setCardState(p.id, { proofOpen: true, failOpen: false, error: '' });
}

function closeProof(id) {
    proofDrafts.delete(id);
    setCardState(id, { proofOpen: false });
}

function makeProofForm(p) {
    const draft = { signed: false, photos: [] };
    const name = el('input', { name: 'recipientName', maxlength: 200, autocomplete: 'off', 'aria-label': 'Recipient\'s name' });
    name.value = p.recipientName ?? '';
    const canvas = el('canvas', { class: 'signature', width: 600, height: 200, 'aria-label': 'Signature' });
    draft.canvas = canvas;
    clearSignature(draft);
    let last = null;
    const point = (event) => {
        const box = canvas.getBoundingClientRect();
        return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
    };
    canvas.addEventListener('pointerdown', (event) => {
        event.preventDefault();
        canvas.setPointerCapture(event.pointerId);
        last = point(event);
    });
    canvas.addEventListener('pointermove', (event) => {
        if (!last)
            return;
        const next = point(event);
        const ctx = canvas.getContext('2d');
        ctx.lineWidth = 4;
        ctx.lineCap = 'round';
        ctx.strokeStyle = '#111';
        ctx.beginPath();
        ctx.moveTo(...last);
        ctx.lineTo(...next);
        ctx.stroke();
        last = next;
        draft.signed = true;
    });
    for (const end of ['pointerup', 'pointercancel'])
        canvas.addEventListener(end, () => { last = null; });

    const photoCount = el('p', { class: 'hint photo-count', 'data-count': '0' }, 'No photos');
    const thumbnails = el('div', { class: 'thumbnails' });
    const input = el('input', { type: 'file', name: 'photo', accept: 'image/*', capture: 'environment', 'aria-label': 'Add a photo' });
    const error = el('p', { class: 'error', role: 'alert', hidden: true });
    const renderPhotos = () => {
        photoCount.dataset.count = String(draft.photos.length);
        photoCount.textContent = draft.photos.length ? `${draft.photos.length} of ${MAX_PHOTOS} photos` : 'No photos';
        input.disabled = draft.photos.length >= MAX_PHOTOS;
        thumbnails.replaceChildren(...draft.photos.map((blob) => el('img', { src: URL.createObjectURL(blob), alt: '' })));
    };
    input.addEventListener('change', async () => {
        const files = [...input.files].slice(0, MAX_PHOTOS - draft.photos.length);
        input.value = '';
        for (const file of files) {
            try {
                draft.photos.push(await shrinkPhoto(file));
            } catch {
                showMessage(error, 'That file is not a photo this phone can read.');
            }
        }
        renderPhotos();
    });
    const busy = el('button', { type: 'submit', class: 'primary', 'data-action': 'confirm-proof' }, 'Confirm delivery');
    draft.form = el('form', { class: 'proof-form', onsubmit: async (event) => {
        event.preventDefault();
        const recipientName = name.value.trim();
        if (!recipientName)
            return showMessage(error, 'Enter the name of the person who took the parcel.');
        if (PROOF_POLICY === 'required' && !draft.signed && !draft.photos.length)
            return showMessage(error, 'This depot needs a signature or a photo.');
        busy.disabled = true;
        try {
            const signature = draft.signed ? await canvasBlob(canvas, 'image/png') : null;
            await queueDelivery({ packageId: p.id, recipientName, signature, photos: draft.photos });
            closeProof(p.id);
        } catch (err) {
            busy.disabled = false;
            showMessage(error, `The delivery could not be kept on this phone: ${err.message}`);
        }
    } },
    el('label', {}, 'Recipient\'s name'), name,
    el('label', {}, 'Signature'), canvas,
    el('div', { class: 'actions' },
       el('button', { type: 'button', class: 'quiet', 'data-action': 'clear-signature',
                      onclick: () => clearSignature(draft) }, 'Clear signature')),
    el('label', {}, `Photos (up to ${MAX_PHOTOS})`), input, photoCount, thumbnails,
    error,
    el('div', { class: 'actions' }, busy,
       el('button', { type: 'button', class: 'quiet', onclick: () => closeProof(p.id) }, 'Back')));
    return draft;
}

function clearSignature(draft) {
    const ctx = draft.canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, draft.canvas.width, draft.canvas.height);
    draft.signed = false;
}

function canvasBlob(canvas, type, quality) {
    return new Promise((resolve, reject) => canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error('the image could not be made'))), type, quality));
}

/** The photo as a JPEG whose longest side is at most PHOTO_MAX_SIDE, turned as the camera held it. */
async function shrinkPhoto(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvasBlob(canvas, 'image/jpeg', PHOTO_QUALITY);
}

// ---- the outbox: deliveries with their proof, in IndexedDB until the depot has them ----

const OUTBOX_DB = 'depot-courier';
const OUTBOX_STORE = 'outbox';

function openOutbox() {
    return new Promise((resolve, reject) => {
        const request = indexedDB.open(OUTBOX_DB, 1);
        request.onupgradeneeded = () => request.result.createObjectStore(OUTBOX_STORE, { keyPath: 'seq', autoIncrement: true });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
}

async function outboxDo(mode, work) {
    const db = await openOutbox();
    try {
        return await new Promise((resolve, reject) => {
            const tx = db.transaction(OUTBOX_STORE, mode);
            const result = work(tx.objectStore(OUTBOX_STORE));
            tx.oncomplete = () => resolve(result?.result);
            tx.onerror = () => reject(tx.error);
            tx.onabort = () => reject(tx.error ?? new Error('aborted'));
        });
    } finally {
        db.close();
    }
}

async function loadOutbox() {
    try {
        const all = await outboxDo('readonly', (store) => store.getAll());
        outboxJobs = (all ?? []).filter((job) => job.userId === session?.user.id);
    } catch {
        outboxJobs = [];
    }
    renderOutbox();
    renderDeliveries();
    flushOutbox();
}

async function queueDelivery({ packageId, recipientName, signature, photos }) {
    const job = { userId: session.user.id, packageId, recipientName, signature, photos,
                  proofSent: false, queuedAt: new Date().toISOString() };
    job.seq = await outboxDo('readwrite', (store) => store.add(job));
    outboxJobs.push(job);
    renderOutbox();
    renderDeliveries();
    flushOutbox();
}

function renderOutbox() {
    const n = outboxJobs.length;
    const node = $('pending-deliveries');
    node.hidden = n === 0;
    node.dataset.count = String(n);
    node.textContent = n === 1 ? '1 delivery waiting to be sent' : `${n} deliveries waiting to be sent`;
}

async function sendProof(job) {
    const form = new FormData();
    form.append('recipientName', job.recipientName);
    if (job.signature)
        form.append('signature', job.signature, 'signature.png');
    job.photos.forEach((photo, i) => form.append('photo', photo, `photo${i + 1}.jpg`));
    let res;
    try {
        res = await fetch(`/api/packages/${job.packageId}/proof`, {
            method: 'PUT', headers: { Authorization: `Bearer ${session.token}` }, body: form,
            signal: AbortSignal.timeout(60000), cache: 'no-store' });
    } catch {
        throw new ApiError(0, 'unreachable', 'Could not reach the depot.');
    }
    if (!res.ok) {
        const error = await res.json().then((j) => j?.error, () => null);
        throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The depot answered ${res.status}.`);
    }
}

async function dropJob(job, message) {
    await outboxDo('readwrite', (store) => store.delete(job.seq)).catch(() => {});
    outboxJobs = outboxJobs.filter((j) => j !== job);
    if (message)
        cardState.set(job.packageId, { ...(cardState.get(job.packageId) ?? {}), error: message });
    renderOutbox();
    renderDeliveries();
}

/** Sends the waiting deliveries one at a time, in order: each one's proof, then its Delivered. */
async function flushOutbox() {
    if (flushingOutbox || !session)
        return;
    flushingOutbox = true;
    clearTimeout(outboxTimer);
    try {
        while (outboxJobs.length && session) {
            const job = outboxJobs[0];
            try {
                if (!job.proofSent) {
                    await sendProof(job);
                    job.proofSent = true;
                    await outboxDo('readwrite', (store) => store.put(job));
                }
                const updated = await api('POST', `/api/packages/${job.packageId}/complete`, { token: session.token });
                packages.set(updated.id, updated);
                await dropJob(job);
            } catch (err) {
                if (err.status === 0) {
                    outboxTimer = setTimeout(flushOutbox, RETRY_AFTER_MS); // and on 'online' or a reconnect
                    break;
                }
                if (err.status === 401) {
                    handleApiError(err);
                    break;
                }
                // Delivered already (an answer lost on the way): done.
                const now = err.status === 409
                    ? await api('GET', `/api/packages/${job.packageId}`, { token: session.token }).catch(() => null) : null;
                // Refused for good (the package changed, a file was refused): it goes, with why.
                await dropJob(job, now?.status === 'COMPLETED' ? '' : `The delivery was not accepted: ${err.message}`);
                refreshPackage(job.packageId);
            }
        }
    } finally {
        flushingOutbox = false;
    }
}

// ---- location sharing ----

function renderSharing(text) {
    const on = watchId !== null;
    $('share-toggle').textContent = on ? 'Stop sharing' : 'Share my location';
    $('share-toggle').setAttribute('aria-pressed', String(on));
    $('sharing-status').textContent = text;
}

function startSharing() {
    if (!window.isSecureContext || !navigator.geolocation) {
        renderSharing('This browser gives no position on this address: open the page through the depot\'s https:// link.');
        return;
    }
    localStorage.setItem(SHARING_KEY, '1');
    watchId = navigator.geolocation.watchPosition(onPosition, onPositionError,
                                                  { enableHighAccuracy: true, maximumAge: 5000, timeout: 60000 });
    renderSharing('Waiting for a position…');
}

function stopSharing(remember = true) {
    if (watchId !== null)
        navigator.geolocation.clearWatch(watchId);
    watchId = null;
    if (remember)
        localStorage.setItem(SHARING_KEY, '0');
    renderSharing('Location sharing is off.');
}

function onPosition(position) {
    const { latitude, longitude, accuracy, speed, heading } = position.coords;
    const fix = { latitude, longitude, timestamp: new Date(position.timestamp).toISOString() };
    if (Number.isFinite(accuracy))
        fix.accuracy = accuracy;
    if (Number.isFinite(speed) && speed >= 0)
        fix.speed = speed;
    if (Number.isFinite(heading) && heading >= 0 && heading <= 360)
        fix.heading = heading;
    positionsSeen += 1;
    $('sharing-status').dataset.positions = String(positionsSeen);
    renderSharing(`Sharing. Last position ${formatTime(fix.timestamp)}.`);
    if (!worthSending(fix))
        return;
    lastKeptFix = fix;
    queue.push(fix);
    if (queue.length > MAX_QUEUED_FIXES)
        queue.splice(0, queue.length - MAX_QUEUED_FIXES);
    saveQueue();
    flushQueue();
}

function worthSending(fix) {
    if (!lastKeptFix)
        return true;
    return Date.parse(fix.timestamp) - Date.parse(lastKeptFix.timestamp) >= SEND_INTERVAL_MS
        || distanceMetres(lastKeptFix, fix) >= SEND_DISTANCE_M;
}

function onPositionError(err) {
    if (err.code === err.PERMISSION_DENIED) {
        stopSharing();
        renderSharing('Location permission was denied. Allow it in the browser\'s site settings, then try again.');
    } else {
        renderSharing('No position yet. Keep the page open outdoors.');
    }
}

// ---- the queue of fixes, sent one at a time and in order ----

function loadQueue() {
    try {
        const stored = JSON.parse(localStorage.getItem(queueKey(session.user.id)));
        return Array.isArray(stored) ? stored.filter((f) => Number.isFinite(f?.latitude)) : [];
    } catch {
        return [];
    }
}

function saveQueue() {
    if (session)
        localStorage.setItem(queueKey(session.user.id), JSON.stringify(queue));
    renderQueue();
}

function renderQueue() {
    const n = queue.length;
    $('pending-fixes').hidden = n === 0;
    $('pending-fixes').textContent = n === 1 ? '1 position waiting to be sent' : `${n} positions waiting to be sent`;
    $('pending-fixes').dataset.count = String(n);
}

/** Resolves with the hub's ack; rejects on timeout or when the connection drops first. */
function sendFix(connection, fix) {
    return new Promise((resolve, reject) => {
        const onDisconnect = () => reject(new Error('disconnected'));
        connection.once('disconnect', onDisconnect);
        connection.timeout(ACK_TIMEOUT_MS).emit('location:update', fix, (err, ack) => {
            connection.off('disconnect', onDisconnect);
            if (err)
                reject(err);
            else
                resolve(ack);
        });
    });
}

async function flushQueue() {
    if (sending)
        return;
    sending = true;
    clearTimeout(retryTimer);
    try {
        // Only while connected: socket.io-client would otherwise buffer the emit and send it
        // again next to the copy still in the queue.
        while (socket?.connected && queue.length) {
            const fix = queue[0];
            let ack;
            try {
                ack = await sendFix(socket, fix);
            } catch (err) {
                // Lost connection: 'connect' flushes again. No answer in time: try again soon.
                if (err.message !== 'disconnected')
                    retryTimer = setTimeout(flushQueue, RETRY_AFTER_MS);
                break;
            }
            if (ack?.ok || ack?.error?.code === 'validation_failed') {
                if (queue[0] === fix)
                    queue.shift();
                saveQueue();
                if (ack?.error)
                    showMessage($('app-error'), `A position was refused: ${ack.error.message}`);
            } else {
                showMessage($('app-error'), ack?.error?.message ?? 'The depot did not take the position.');
                break;
            }
        }
    } finally {
        sending = false;
        renderQueue();
    }
}

// ---- start ----

$('login-form').addEventListener('submit', logIn);
$('logout').addEventListener('click', () => logOut());
$('share-toggle').addEventListener('click', () => (watchId === null ? startSharing() : stopSharing()));
window.addEventListener('online', () => {
    renderConnection();
    flushOutbox();
});
window.addEventListener('offline', renderConnection);

session = loadSession();
const linkedUsername = new URLSearchParams(location.search).get('u');
if (session && linkedUsername && linkedUsername !== session.user.username) {
    // Another courier's QR link on a shared phone: end this session and let them log in.
    const previous = session.user.username;
    localStorage.removeItem(SESSION_KEY);
    await api('POST', '/api/auth/logout', { token: session.token }).catch(() => {});
    session = null;
    showLogin(`${previous} was logged in on this phone. Log in as ${linkedUsername}.`);
} else if (!session) {
    showLogin();
} else {
    startApp();
    // Checks the stored token; offline, the stored session stands until the hub says otherwise.
    api('GET', '/api/me', { token: session.token }).catch((err) => {
        if (err.status === 401)
            logOut('Your session has ended. Please log in again.');
    });
}
